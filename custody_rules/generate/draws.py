"""Weighted and whole-number draws from a record's own random generator."""

from __future__ import annotations

import random
from collections.abc import Sequence


def cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def randint(rng: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high]: `rng.randint` without its argument checks (it is hot)."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, cumulative: list[float]) -> int:
    """Index drawn with the weights whose running sums are `cumulative`."""
    point = rng.random() * cumulative[-1]
    for index, bound in enumerate(cumulative):
        if point < bound:
            return index
    return len(cumulative) - 1
