"""The children, offences and places drawn from: forces and their stations, offences with their
seriousness, ages and arrival hours, weighted as arrests of children are."""

from __future__ import annotations

from custody_rules.generate.draws import cumulative

# force -> (weight, [(station, local authority)])
FORCES: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "Cambridgeshire": (3, [("Parkside", "Cambridgeshire"), ("Thorpe Wood", "Peterborough")]),
    "Metropolitan Police": (10, [
        ("Brixton", "Lambeth"), ("Wembley", "Brent"), ("Leyton", "Waltham Forest"),
        ("Croydon", "Croydon"), ("Islington", "Islington"),
    ]),
    "West Midlands": (5, [
        ("Perry Barr", "Birmingham"), ("Oldbury", "Sandwell"), ("Wolverhampton", "Wolverhampton"),
    ]),
    "Greater Manchester": (5, [
        ("Swinton", "Salford"), ("Cheadle Heath", "Stockport"), ("Bolton Central", "Bolton"),
    ]),
    "Northumbria": (3, [("Middle Engine Lane", "North Tyneside"), ("Southwick", "Sunderland"),
                        ("Gateshead", "Gateshead")]),
    "Northamptonshire": (2, [("Criminal Justice Centre", "Northamptonshire")]),
    "Sussex": (3, [("Brighton", "Brighton and Hove"), ("Crawley", "West Sussex"),
                   ("Eastbourne", "East Sussex")]),
    "Kent": (3, [("Medway", "Medway"), ("Maidstone", "Kent"), ("Canterbury", "Kent")]),
    "South Wales": (3, [("Cardiff Bay", "Cardiff"), ("Merthyr Tydfil", "Merthyr Tydfil"),
                        ("Swansea Central", "Swansea")]),
}
FORCE_NAMES = list(FORCES)
OTHER_LAS = ("Essex", "Hertfordshire", "Norfolk", "Leeds", "Bristol", "Lambeth", "Birmingham",
             "Kent", "Cardiff", "Surrey")

# (description, violent, sexual, indictable, seriousness 0-1, drugs supply, weight)
OFFENCES: tuple[tuple[str, bool, bool, bool, float, bool, int], ...] = (
    ("Possession with intent to supply class A", False, False, True, 0.6, True, 10),
    ("Possession of cannabis", False, False, True, 0.05, False, 6),
    ("Robbery", True, False, True, 0.7, False, 10),
    ("Wounding with intent (OAPA 1861 s.18)", True, False, True, 0.9, False, 3),
    ("Assault occasioning actual bodily harm", True, False, True, 0.4, False, 8),
    ("Common assault", True, False, False, 0.1, False, 9),
    ("Assault on an emergency worker", True, False, True, 0.15, False, 4),
    ("Sexual assault", False, True, True, 0.6, False, 3),
    ("Rape of a child under 13", False, True, True, 0.95, False, 1),
    ("Possession of indecent images of children", False, True, True, 0.3, False, 1),
    ("Theft from a shop (under 200 pounds)", False, False, False, 0.05, False, 8),
    ("Burglary (dwelling)", False, False, True, 0.5, False, 6),
    ("Possession of a bladed article", False, False, True, 0.45, False, 7),
    ("Criminal damage (under 5,000 pounds)", False, False, False, 0.05, False, 6),
    ("Arson", False, False, True, 0.5, False, 1),
    ("Taking a vehicle without consent", False, False, False, 0.1, False, 3),
    ("Aggravated vehicle taking", False, False, True, 0.4, False, 2),
    ("Threatening behaviour (Public Order Act 1986 s.4)", False, False, False, 0.1, False, 4),
    ("Affray", True, False, True, 0.3, False, 3),
    ("Murder", True, False, True, 1.0, False, 1),
)

# Ages at arrival: arrests of children are mostly of 15-17-year-olds.
AGES = (10, 11, 12, 13, 14, 15, 16, 17)
AGE_WEIGHTS = (1, 2, 4, 7, 12, 18, 24, 32)
# Arrivals by local hour: few in the small hours, most in the afternoon and evening.
HOUR_WEIGHTS = (3, 2, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 11, 10, 9, 7, 5, 4)

FORCE_CUM = cumulative([FORCES[name][0] for name in FORCE_NAMES])
OFFENCE_CUM = cumulative([offence[6] for offence in OFFENCES])
AGE_CUM = cumulative(AGE_WEIGHTS)
HOUR_CUM = cumulative(HOUR_WEIGHTS)
SERIOUSNESS = {offence[0]: offence[4] for offence in OFFENCES}


# Who an appropriate adult may be, in words, by the record's aa_type.
RELATIONSHIPS: dict[str | None, tuple[str, ...]] = {
    "parent": ("mother", "father", "stepmother"),
    "guardian": ("special guardian", "grandmother"),
    "social_worker": ("allocated social worker", "emergency duty team social worker"),
    "aa_scheme": ("appropriate adult scheme volunteer",),
    "other": ("aunt", "adult brother", "family friend"),
    None: ("family friend",),
}
