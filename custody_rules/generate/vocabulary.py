"""The record format's vocabulary as the generator draws it: event types, officers' ranks and
roles, and every enum, yes/no, text and list field of each event type, for chaos to set at
random; and the custody-log remarks."""

from __future__ import annotations

from custody_rules.validate import BEFORE_ARRIVAL_ALLOWED

EVENT_TYPES = (
    "arrest", "arrival", "detention_authorised", "vulnerability_form", "aa_requested",
    "aa_arrived", "aa_departed", "welfare_person_informed", "rights_given", "cell_placement",
    "female_carer_assigned", "strip_search", "interview", "review", "extension", "charge",
    "bail_decision", "la_contact", "accommodation_request", "la_response", "transfer_to_la",
    "detention_certificate", "court_appearance", "release", "safeguarding_concern",
    "social_care_referral", "nrm_referral", "strategy_discussion",
    "warrant_of_further_detention", "warrant_extended", "court_appearance_by_video_link",
)
RANKS = ("constable", "sergeant", "inspector", "chief_inspector", "superintendent",
         "chief_superintendent", "staff")
ROLES = ("custody_officer", "review_officer", "arresting_officer", "investigating_officer",
         "detention_officer", "other")
AA_TYPES = ("parent", "guardian", "social_worker", "aa_scheme", "other")
BAIL_GROUNDS = ("name_address", "fail_to_appear", "further_offence", "injury_damage",
                "interference", "own_protection", "own_interests")
CATEGORIES = ("criminal_exploitation", "sexual_exploitation", "county_lines", "trafficking",
              "missing", "domestic_abuse", "neglect", "self_harm", "other")
EXPLOITATION = ("criminal_exploitation", "sexual_exploitation", "county_lines", "trafficking")
INVALID_IMPRACTICABLE = ("behaviour", "offence_seriousness", "no_secure_accommodation",
                         "risk_of_absconding", "own_interests")
CERTIFICATE_REASONS = ("extreme_weather", "child_illness", "imminent_court", "la_no_accommodation",
                       "no_secure_accommodation", "behaviour", "offence_seriousness",
                       "own_interests", "risk_of_absconding", "other")

# Every enum field of every event type, for chaos to set at random.
ENUM_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "aa_requested": {"aa_type": AA_TYPES},
    "aa_arrived": {"aa_type": AA_TYPES},
    "cell_placement": {"reason": ("no_other_secure_accommodation", "cell_more_comfortable",
                                  "other")},
    "review": {"mode": ("in_person", "video", "telephone"),
               "postponed_reason": ("not_practicable", "questioning", "no_review_officer")},
    "bail_decision": {"outcome": ("bail", "released", "refused")},
    "la_contact": {"purpose": ("pre_alert", "bail_address", "bail_support", "accommodation")},
    "accommodation_request": {"kind": ("secure", "non_secure")},
    "la_response": {"outcome": ("accepted", "no_secure_available", "refused", "no_response"),
                    "kind": ("secure", "non_secure")},
    "detention_certificate": {"limb": ("impracticable", "no_secure_accommodation"),
                              "reason": CERTIFICATE_REASONS},
    "release": {"kind": ("bail", "rui", "nfa", "other")},
}
BOOL_FIELDS: dict[str, tuple[str, ...]] = {
    "vulnerability_form": ("complete",),
    "rights_given": ("aa_present",),
    "strip_search": ("aa_present", "urgent", "aa_waived"),
    "interview": ("aa_present", "urgent_authorised"),
    "review": ("aa_present", "aa_offered_representations", "child_views_recorded",
               "transfer_reconsidered"),
    "charge": ("aa_present",),
    "court_appearance": ("certificate_produced",),
    "court_appearance_by_video_link": ("certificate_produced",),
    "safeguarding_concern": ("significant_harm",),
}
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "welfare_person_informed": ("not_practicable_reason",),
    "cell_placement": ("reason_text",),
    "review": ("remote_reason",),
    "accommodation_request": ("local_authority", "serious_harm_rationale"),
    "detention_certificate": ("reason_text", "serious_harm_rationale"),
    "social_care_referral": ("method",),
}
LIST_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "bail_decision": ("grounds", BAIL_GROUNDS),
    "safeguarding_concern": ("categories", CATEGORIES),
}
# Custody-log remarks any record may carry.
PLAIN_NOTES = (
    "Mother called, on her way", "Solicitor consulted by phone", "Child given food and drink",
    "Spoke to child about his wishes; wants to go home", "Juvenile detention room out of use",
    "Child asleep; checked every 30 minutes",
)
# Chaos also writes the remarks rules may read, and blank or unusual text.
NOTES = (
    *PLAIN_NOTES,
    "JDC for inspector", "awaiting inspector re JDC", "EDT called, no secure beds tonight",
    "Remand to court in the morning", "Inspector reviewed by phone",
    "Certificate completed by custody officer", "No appropriate adult available until morning",
    "", "   ", "Pas de commentaire \u00e9crit", "\u2705 checked", "inspector", "x" * 700,
)
# Who may sign a void extension of detention (PACE s.42(1): a superintendent or above), or none.
RANKS_BELOW_SUPERINTENDENT = ("staff", "constable", "sergeant", "inspector", "chief_inspector",
                              None)
# What is done at the station, so never before the child's first arrival.
AT_STATION = frozenset(EVENT_TYPES) - BEFORE_ARRIVAL_ALLOWED
