"""The published figures each shortfall of a realistic record is drawn at, with their sources,
and the three standards of handling (HMICFRS's grades)."""

from __future__ import annotations

# HMICFRS/CQC custody inspection of Cambridgeshire (report April 2024; year to 29 Feb 2024, as
# reported by Local Government Lawyer and the BBC): 48 children charged and refused bail,
# 33 requests to the local authority, 2 children moved. A poorly handled refusal of bail
# therefore leads to a request 33 times in 48, and to a move about 2 times in 48 (see
# `after_charge`: most requests are for secure accommodation, which the LA rarely has, and
# even an accepted request is usually not followed by a move).
CAMBS_REFUSED_BAIL, CAMBS_LA_REQUESTS, CAMBS_MOVED = 48, 33, 2
P_NO_REQUEST = 1 - CAMBS_LA_REQUESTS / CAMBS_REFUSED_BAIL
# HMICFRS Cambridgeshire post-inspection review (Dec 2022, fieldwork Sept 2022), "Police
# detention": "We saw only one certificate in the five cases we audited. Custody officers we
# spoke to believed it was up to the inspector to complete them."
P_NO_CERTIFICATE = 1 - 1 / 5
P_JDC_FOR_INSPECTOR_NOTE = 0.5
# Same review: "custody officers routinely asked for secure accommodation"; accommodation
# "was discussed at the time of charge"; "inspectors still regularly review detention over the
# phone ... often without an appropriate adult"; "several cases with clear child safeguarding
# concerns, such as a risk of criminal exploitation, that weren't referred"; "most arresting
# officers didn't add any information" to the vulnerability and care plan form; inspectors
# "reviewed the detention of children promptly"; appropriate adults "attend promptly when called".
P_SECURE_REQUESTED = 0.7
P_NO_PRE_ALERT = 0.9
P_REMOTE_REVIEW = 0.65
P_REVIEW_WITHOUT_AA = 0.7
P_CONCERN_NOT_REFERRED = 0.5
P_FORM_EMPTY, P_FORM_MISSING = 0.45, 0.3
P_REVIEW_LATE = 0.1
# Same review: 24 cases audited, 6 good, 5 requires improvement, 13 inadequate. The share of
# fully compliant records is ours (the brief: 35-45%); the rest is split 5:13.
P_GOOD = 0.40
P_REQUIRES_IMPROVEMENT = (1 - P_GOOD) * 5 / 18
# A "requires improvement" record fails each step at this fraction of the inadequate rate.
RI_FACTOR = 0.35
# R (M) v Gateshead Council [2006] EWCA Civ 221: secure asked for after midnight, none
# available, no one asked for a non-secure bed.
P_NO_NON_SECURE_AFTER_NO_SECURE = 0.8
# IOPC learning recommendation to Northamptonshire Police (March 2021): an 11-year-old placed
# in a cell with no rationale recorded.
P_CELL_NO_REASON = 0.4

GOOD, REQUIRES_IMPROVEMENT, INADEQUATE = "good", "requires_improvement", "inadequate"
