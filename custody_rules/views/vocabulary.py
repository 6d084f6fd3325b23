"""The rule language's names in words a custody officer uses: event types as nouns
(`aa_requested` -> `appropriate adult request`), the moment each event stands for (`bail was
refused`), yes/no fields and other field names, enum values, durations. Used by `explain` to read
a rule's patterns back as sentences; the events themselves are described by `narrative`.
"""

from __future__ import annotations

from custody_rules.views.narrative import words

# Event types whose record-format names read badly as English nouns ("a aa requested").
_TYPE_NOUNS = {
    "aa_requested": "appropriate adult request",
    "aa_arrived": "appropriate adult arrival",
    "aa_departed": "appropriate adult departure",
    "detention_authorised": "authorisation of detention",
    "rights_given": "notice of rights",
    "la_contact": "contact with the local authority",
    "la_response": "local authority answer",
    "transfer_to_la": "move to local authority accommodation",
    "welfare_person_informed": "notice to the person responsible for welfare",
    "nrm_referral": "National Referral Mechanism referral",
    "female_carer_assigned": "woman assigned to her care",
}

# Where a child went on leaving police detention (the `end` fact's `left_by`).
_LEFT_BY = {
    "transfer_to_la": "transfer to local authority accommodation",
    "court_appearance": "going to court",
    "release": "release",
}


def type_noun(event_type: str) -> str:
    """An event type as a noun a custody officer would use: `aa_requested` -> `appropriate
    adult request`."""
    return _TYPE_NOUNS.get(event_type, words(event_type))


def left_by_words(value: str) -> str:
    return _LEFT_BY.get(value, type_noun(value))


def duration_words(seconds: int) -> str:
    """`3600` -> `1 hour`, `5400` -> `1 hour 30 minutes`."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes = rest // 60
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


# A yes/no field as a custody officer would say it: (when it holds, when it does not).
FLAG_WORDS = {
    "aa_offered_representations": ("the appropriate adult offered the chance to make "
                                   "representations", "the appropriate adult not offered the "
                                   "chance to make representations"),
    "aa_on_site": ("an appropriate adult at the station", "no appropriate adult at the station"),
    "aa_present": ("with the appropriate adult", "without an appropriate adult"),
    "aa_waived": ("the appropriate adult waived by the child", "not waived by the child"),
    "categories_county_lines": ("county lines", "not county lines"),
    "categories_criminal_exploitation": ("criminal exploitation", "not criminal exploitation"),
    "categories_sexual_exploitation": ("sexual exploitation", "not sexual exploitation"),
    "categories_trafficking": ("trafficking", "not trafficking"),
    "certificate_produced": ("certificate produced to the court",
                             "certificate not produced to the court"),
    "child_views_recorded": ("the child's views recorded", "the child's views not recorded"),
    "code_c_juvenile": ("a juvenile under Code C", "not a juvenile under Code C"),
    "complete": ("completed", "not completed"),
    "grounds_own_interests": ("refused for the child's own interests",
                              "not refused for the child's own interests"),
    "has_not_practicable_reason": ("a reason it was not practicable recorded",
                                   "no reason it was not practicable recorded"),
    "has_reason_text": ("a reason written", "no reason written"),
    "has_remote_reason": ("the reason for a remote review recorded",
                          "no reason for a remote review recorded"),
    "has_serious_harm_rationale": ("the risk of serious harm explained",
                                   "no explanation of the risk of serious harm"),
    "involved_in_case": ("involved in the case", "not involved in the case"),
    "juvenile": ("an arrested juvenile", "not an arrested juvenile"),
    "police_employee": ("a police employee", "not a police employee"),
    "significant_harm": ("significant harm suspected", "significant harm not suspected"),
    "transfer_reconsidered": ("the move reconsidered", "the move not reconsidered"),
    "under_18": ("under 18", "18 or over"),
    "urgent_authorised": ("an urgent interview authorised", "no urgent interview authorised"),
    "violent_or_sexual": ("a violent or sexual offence", "no violent or sexual offence"),
}
# Other fields whose record-format names read badly.
FIELD_NAMES = {
    "aa_type": "appropriate adult type", "by_rank_level": "officer's rank",
    "by_role": "officer's role", "grounds_count": "number of grounds",
    "offences": "number of offences", "reviews_before": "number of reviews before it",
    "note_2": "note",
}
# Values whose record-format spelling reads badly.
VALUE_WORDS = {"la_no_accommodation": "no local authority accommodation",
                "aa_scheme": "appropriate adult scheme"}

# The moment a fact stands for, as a clause: "1 hour after <bail was refused>".
MOMENTS = {
    "aa_arrived": "the appropriate adult arrived",
    "aa_requested": "the appropriate adult was requested",
    "accommodation_request": "accommodation was requested",
    "arrival": "the child arrived",
    "charge": "the child was charged",
    "court_appearance": "the child went to court",
    "detention_authorised": "detention was authorised",
    "detention_certificate": "the certificate was made",
    "detention_clock": "the relevant time",
    "extension": "detention was extended",
    "interview": "the interview began",
    "la_response": "the local authority answered",
    "review": "the review was held",
    "review_due": "the review was due",
    "rights_given": "rights were given",
    "safeguarding_concern": "the safeguarding concern was raised",
    "strip_search": "the strip search began",
    "vulnerability_form": "the vulnerability form was recorded",
}

# Moments named by a noun, not a clause: no "when" before them.
NOUN_MOMENTS = frozenset({"the deadline", "the relevant time",
                           "the time judged, with the child still held"})

# The log entry a fact stands for, for conditions on the order of entries (`seq`).
ENTRIES = {
    "aa_arrived": "the appropriate adult's arrival",
    "rights_given": "the notice of rights",
    "review": "the review",
    "vulnerability_form": "the vulnerability form",
}
