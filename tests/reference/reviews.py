"""Reference statement of the review rules (PACE s.40)."""

from __future__ import annotations

from collections.abc import Iterator

from custody_rules.policy import Policy
from custody_rules.timeline import Timeline
from tests.reference import Expected, reference


@reference("RV-01")
def first_review(t: Timeline, policy: Policy) -> Iterator[Expected]:
    """First review by D1 = detention first authorised + 6h, unless postponed (RV-03)."""
    first = next((d for d in t.review_deadlines if d.number == 1), None)
    if first is None:
        return
    reviews = [e for e in t.events if e.type == "review"]
    on_time = any(r.at <= first.due for r in reviews)
    postponed = bool(reviews) and reviews[0].postponed_reason is not None  # type: ignore[attr-defined]
    if on_time or postponed:
        return
    events = {first.counted_from.id} | ({t.left_by.id} if t.left_by else set())
    if t.ends_at > first.due:
        yield Expected("RV-01", "violated", frozenset(events))
    elif t.still_held:
        yield Expected("RV-01", "pending", frozenset(events), first.due)
