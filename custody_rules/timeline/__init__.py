"""Step 3, timeline: the record's events in time order and the facts derived from them.

Two jobs, one module each: `custody` derives the custody facts (the clock, the review
deadlines, the appropriate adult's visits, ages) and `engine_facts` flattens them into the
facts the rules match (`fact.Fact`) with the vocabulary the rule files may name.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from custody_rules.record import CustodyRecord
from custody_rules.timeline.custody import (
    CLOCK_LIMIT,
    CODE_C_SEVENTEEN_FROM,
    COURT_SITTING_GRACE,
    EXTENDED_LIMIT,
    FIRST_REVIEW_AFTER,
    FURTHER_DETENTION_LIMIT,
    HOUR,
    LATER_REVIEW_EVERY,
    MAX_REVIEW_DEADLINES,
    SEVENTEEN_JUVENILE_FROM,
    UK,
    WARRANT_PERIOD,
    DetentionClock,
    ReviewDeadline,
    Timeline,
    aa_visits,
    age_at,
    can_act_as_appropriate_adult,
    custody_timeline,
    detention_clock,
    epoch,
    extension_has_effect,
    is_code_c_juvenile,
    is_pace_juvenile,
    review_deadlines,
    uk_date,
)
from custody_rules.timeline.engine_facts import (
    DERIVED_FACT_FIELDS,
    ENGINE_TEXT_BYTES,
    EVENT_FACT_FIELDS,
    FREE_TEXT_FIELDS,
    PIECE_OVERLAP,
    engine_facts,
    fact_fields,
    text_pieces,
)
from custody_rules.timeline.fact import (
    Fact,
    FieldValue,
)

__all__ = [
    "CLOCK_LIMIT",
    "CODE_C_SEVENTEEN_FROM",
    "COURT_SITTING_GRACE",
    "DERIVED_FACT_FIELDS",
    "ENGINE_TEXT_BYTES",
    "EVENT_FACT_FIELDS",
    "EXTENDED_LIMIT",
    "FIRST_REVIEW_AFTER",
    "FREE_TEXT_FIELDS",
    "FURTHER_DETENTION_LIMIT",
    "HOUR",
    "LATER_REVIEW_EVERY",
    "MAX_REVIEW_DEADLINES",
    "PIECE_OVERLAP",
    "SEVENTEEN_JUVENILE_FROM",
    "UK",
    "WARRANT_PERIOD",
    "DetentionClock",
    "Fact",
    "FieldValue",
    "ReviewDeadline",
    "Timeline",
    "aa_visits",
    "age_at",
    "build_timeline",
    "can_act_as_appropriate_adult",
    "custody_timeline",
    "detention_clock",
    "engine_facts",
    "epoch",
    "extension_has_effect",
    "fact_fields",
    "is_code_c_juvenile",
    "is_pace_juvenile",
    "review_deadlines",
    "text_pieces",
    "uk_date",
]


def build_timeline(record: CustodyRecord, as_of: datetime | None, now: datetime) -> Timeline:
    """Order the events, cut them at `as_of`, and derive the facts the rules match on.

    `now` is used only for a record still open with no `as_of`: it is judged as it stands now.
    """
    timeline = custody_timeline(record, as_of, now)
    return attrs.evolve(timeline, facts=tuple(engine_facts(timeline)))
