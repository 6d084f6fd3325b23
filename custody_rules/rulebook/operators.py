"""What each operator of the condition language means, twice, side by side: in plain Python
(`holds`, used by `rulebook.evaluate`) and in durable-rules' JSON (`durable_condition`, used by
`engine.compile`). A change to one must be made to the other; `tests/test_parity.py` runs both
over every rule example and thousands of generated records and requires the same matches.

    operator   Python (actual: the fact's value)     durable-rules
    eq         actual == wanted                      {field: wanted}
    ne         actual != wanted                      {"$neq": {field: wanted}}
    lt lte     actual < wanted, <=                   {"$lt": ...}, {"$lte": ...}
    gt gte     actual > wanted, >=                   {"$gt": ...}, {"$gte": ...}
    in         actual in (v1, v2, ...)               {"$or": [{field: v1}, {field: v2}, ...]}
    not_in     actual not in (v1, v2, ...)           {"$and": [{"$neq": {field: v1}}, ...]}
    matches    the whole value matches the regular   {"$imt": {field: regex}}
               expression, ignoring case

A fact without the field matches no condition on it. Comparisons never mix numbers and text.
"""

from __future__ import annotations

import re
from typing import Any

FieldValue = int | str
Wanted = int | str | tuple[int | str, ...]

_DURABLE_COMPARISON = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def holds(op: str, actual: FieldValue | None, wanted: Wanted | None) -> bool:
    """Whether a fact's value `actual` meets `op wanted` (`wanted` already computed: a literal,
    a tuple for in/not_in, the regular expression for matches; None when it names a value the
    bound facts do not have)."""
    if actual is None:
        return False  # the engine never matches a field the fact does not carry
    if op == "matches":
        return re.fullmatch(str(wanted), str(actual), re.IGNORECASE | re.DOTALL) is not None
    if wanted is None:
        return False
    if op == "in":
        return isinstance(wanted, tuple) and actual in wanted
    if op == "not_in":
        return isinstance(wanted, tuple) and actual not in wanted
    if isinstance(wanted, tuple):
        return False
    if op == "eq":
        return bool(actual == wanted)
    if op == "ne":
        return bool(actual != wanted)
    if isinstance(actual, int) != isinstance(wanted, int):
        return False
    comparisons = {"lt": actual < wanted, "lte": actual <= wanted,  # type: ignore[operator]
                   "gt": actual > wanted, "gte": actual >= wanted}  # type: ignore[operator]
    return bool(comparisons[op])


def durable_condition(field: str, op: str, operand: Any) -> dict[str, Any]:
    """The durable-rules condition for `field op operand` (`operand` already compiled: a
    literal, a tuple for in/not_in, the regular expression for matches, or a reference
    `{alias: field}` with arithmetic)."""
    if op == "in":
        assert isinstance(operand, tuple)
        if len(operand) == 1:
            return {field: operand[0]}
        return {"$or": [{field: item} for item in operand]}
    if op == "not_in":
        assert isinstance(operand, tuple)
        conditions = [{"$neq": {field: item}} for item in operand]
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}
    if op == "matches":
        return {"$imt": {field: operand}}
    if op == "eq":
        return {field: operand}
    return {_DURABLE_COMPARISON[op]: {field: operand}}
