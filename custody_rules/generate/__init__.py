"""Synthetic custody records of children, for load tests and the differential test.

`generate_records(count, seed)` yields JSON-ready records in the record format
(docs/record-format.md), reproducible from the seed alone: every record has its own
`random.Random` seeded from (seed, index, variety), so record i is the same whatever `count` is,
and `generate_record(seed, i)` rebuilds one record on its own (to debug a finding). Nothing here
reads the clock or the global random generator.

`variety="realistic"` follows a custody timeline as the law and the inspection reports describe
it: arrest, arrival, detention authorised, the appropriate adult, interviews, reviews every 6 then
9 hours, charge, bail, the local authority and the s.38(6) certificate, court or release, and the
safeguarding referrals. Each record is handled to one of three standards, in the proportions of
HMICFRS's 2022 Cambridgeshire case audit for the part that is not good (5 "requires improvement"
to 13 "inadequate"), with about 40% of records fully compliant. Where handling falls short it
falls short the way the published findings say it does (`figures` names the sources).
About 15% of children are charged and refused bail, far more than in life, so that the rules
after charge are well exercised. About 3% of records are still open: dated in the last days of
2025, with no leaving event and no `closed_at`, and nothing written after OPEN_AS_AT.

`variety="chaos"` tells the same story with every delay stretched, shrunk or reversed at random,
then mangles the result: events dropped, duplicated, added at random times with random fields,
snapped onto rule boundaries (a deadline to the second), optional fields removed or randomised,
times written in other UTC offsets, ids renamed and the event list shuffled. Chaos records are
still valid records (`custody_rules.validate.validate_record` and the published JSON Schema
accept every one); they exist to find the corners where the engine and the reference
statements of the rules disagree.

The package, in the order a record is made:
- `figures`: the published rates each shortfall is drawn at, with their sources;
- `people`: forces and stations, offences, ages and arrival hours; `dates`: the years, the UK
  clock (from the zone database) and dates of birth; `vocabulary`: the event types, fields and
  values, read from the record model (`custody_rules.record`); `draws`: weighted draws from
  the record's own generator;
- the realistic custody: `storyteller` (what every chapter shares), `booking_in`,
  `detention_clock`, `after_charge`, and `story`, which tells them in order;
- `draft`: the record written down (ids, local times); `chaos`: the chaos mutations.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from custody_rules.generate.chaos import mangle
from custody_rules.generate.dates import LONDON
from custody_rules.generate.draft import Json
from custody_rules.generate.story import CustodyStory

__all__ = ["LONDON", "VARIETIES", "generate_record", "generate_records"]

VARIETIES = ("realistic", "chaos")


def generate_records(count: int, seed: int, *, variety: str = "realistic") -> Iterator[Json]:
    """Yield `count` synthetic custody records, the same ones for the same seed and variety."""
    if variety not in VARIETIES:
        raise ValueError(f"variety must be one of {', '.join(VARIETIES)}, not {variety!r}")
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    for index in range(count):
        yield generate_record(seed, index, variety=variety)


def generate_record(seed: int, index: int, *, variety: str = "realistic") -> Json:
    """The `index`-th record of `generate_records(..., seed, variety=variety)`, on its own."""
    if variety not in VARIETIES:
        raise ValueError(f"variety must be one of {', '.join(VARIETIES)}, not {variety!r}")
    rng = random.Random(f"custody-rules/{variety}/{seed}/{index}")
    chaos = variety == "chaos"
    record_id = f"{'CHAOS' if chaos else 'GEN'}-{seed}-{index:06d}"
    story = CustodyStory(rng, chaos)
    draft = story.build(record_id)
    if chaos:
        mangle(rng, draft)
    return draft.finish(rng, chaos)
