"""Step 6, formatters: findings to text, JSON and the other outputs. No engine knowledge here."""

from __future__ import annotations

from datetime import datetime

from custody_rules.timeline import Timeline


def local_iso(moment: datetime, timeline: Timeline) -> str:
    """ISO 8601 in the UTC offset the record itself used at that moment."""
    return moment.astimezone(timeline.offset_at(moment)).isoformat()
