"""Rules cannot run code: a rule file names only the engine's operators and the project's facts.

YAML is read by a SafeLoader subclass (no tags, no aliases), the rulebook refuses anything
outside the condition language and the fact vocabulary with the file and the line, and the
compiler's last check (`_refuse_unsafe`) refuses every engine shape the research found unsafe,
whatever produced it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from custody_rules.engine.compile import _refuse_unsafe, compile_rulebook
from custody_rules.errors import RuleFileError
from custody_rules.policy import default_policy
from custody_rules.rulebook import RuleSpec, load_rulebook, parse_rule_file
from tests.conftest import builtin_rulebook

BASE = """\
id: XX-01
title: Test rule
severity: code
confidence: high
party: review officer
citations: [test]
obligation: x
applies_when: x
rationale: x
remedy: x
trigger:
  detained: {type: detention_authorised}
checks:
  - name: no_review
    status: violated
    describe: x
    match:
      review: {type: review, at: {gt: detained.at}}
    absent:
      earlier: {type: review, at: {lt: review.at}}
    message: Review at {review.at}.
examples: []
population: every_detainee
"""
PATH = "care/XX-01.yaml"
WHERE = f"{PATH}:18 (XX-01): checks[0].match.review"

# (what the file tries, the text replaced, its replacement, the exact error)
BAD_FILES = [
    ("unknown_operator", "at: {gt: detained.at}", "at: {after: detained.at}",
     f"{WHERE}.at: unknown operator 'after' (known: eq, ne, lt, lte, gt, gte, in, not_in, "
     "matches)"),
    ("an_any_gate", "    match:\n", "    any:\n      - x: {type: review}\n    match:\n",
     f"{PATH}:17 (XX-01): checks[0]: unknown key 'any'"),
    ("a_join_on_id", "at: {gt: detained.at}", "at: {gt: detained.id}",
     f"{WHERE}.at: joins on id or sid corrupt the engine (bug B3)"),
    ("a_condition_on_sid", "{type: review, at: {gt: detained.at}}", "{type: review, sid: s1}",
     f"{WHERE}.sid: conditions may not use id or sid (engine bug B3)"),
    ("an_unknown_key_naming_code", "remedy: x\n", "remedy: x\nrun: os.system\n",
     f"{PATH}:11 (XX-01): unknown key 'run'"),
    ("a_python_object_tag", "title: Test rule",
     'title: !!python/object/apply:os.system ["touch pwned"]',
     f"{PATH}:2: not valid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("a_python_name_tag", "title: Test rule", "title: !!python/name:os.system",
     f"{PATH}:2: not valid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/name:os.system'"),
    ("a_yaml_alias", "citations: [test]", "citations: &c [test]\nextra: *c",
     f"{PATH}:7: not valid YAML: anchors and aliases are not allowed"),
    ("a_yaml_anchor_never_used", "citations: [test]", "citations: &c [test]",
     f"{PATH}:6: not valid YAML: anchors and aliases are not allowed"),
    ("nesting_past_64_levels", "applies_when: x", "applies_when: " + "[" * 65 + "]" * 65,
     f"{PATH}:8: not valid YAML: nested more than 64 levels deep"),
    ("nesting_past_libyamls_own_cap", "applies_when: x", "applies_when: " + "[" * 5000
     + "]" * 5000, f"{PATH}:8: not valid YAML: nested more than 64 levels deep"),
    ("a_file_over_1_mib", "applies_when: x", "applies_when: " + "x" * (1024 * 1024),
     f"{PATH}: not valid YAML: larger than 1024 KiB"),
    ("an_unknown_fact_type", "{type: review, at: {gt: detained.at}}",
     "{type: reviews, at: {gt: detained.at}}",
     f"{WHERE}.type: no fact has the type 'reviews' (the event types of the record format, "
     "and note, child, review_due, detention_clock, end)"),
    ("an_unknown_field", "{type: review, at: {gt: detained.at}}", "{type: review, colour: red}",
     f"{WHERE}.colour: review facts have no field 'colour'"),
    ("a_join_on_an_unknown_field", "at: {gt: detained.at}", "at: {gt: detained.nope}",
     f"{WHERE}.at: detained.nope: detention_authorised facts have no field 'nope'"),
    ("a_join_on_an_alias_bound_later", "at: {gt: detained.at}", "at: {gt: later.at}",
     f"{WHERE}.at: 'later.at': later is not bound before this"),
    ("an_unknown_end_field", "    absent:\n", "    end: {colour: 1}\n    absent:\n",
     f"{PATH}:19 (XX-01): checks[0].end: end.colour: end facts have no field 'colour'"),
    ("a_message_quoting_a_note", "message: Review at {review.at}.",
     "message: Review noted {review.note}.",
     f"{PATH}:21 (XX-01): checks[0].message: placeholder {{review.note}} would quote the "
     "record's free text"),
    ("a_message_naming_an_unknown_threshold", "message: Review at {review.at}.",
     "message: Within {policy.nope}.",
     f"{PATH}:21 (XX-01): checks[0].message: placeholder {{policy.nope}}: unknown policy "
     "threshold 'nope'"),
    ("a_bad_regular_expression", "{type: review, at: {gt: detained.at}}",
     "{type: review, note: {matches: '('}}",
     f"{WHERE}.note: bad regular expression: missing ), unterminated subpattern at position 0"),
    ("a_pending_status", "status: violated", "status: pending",
     f"{PATH}:15 (XX-01): checks[0].status: pending comes from a deadline, not a status"),
    ("a_deadline_from_the_end", "    absent:\n", "    deadline: end.at + 1h\n    absent:\n",
     f"{PATH}:19 (XX-01): checks[0].deadline: a deadline cannot count from the end"),
    ("a_float_literal", "{type: review, at: {gt: detained.at}}", "{type: review, nth: 1.5}",
     f"{WHERE}.nth: expected a number, text or true/false, got 1.5"),
    ("broken_yaml", "party: review officer", "party: [review officer",
     f"{PATH}:6: not valid YAML: did not find expected ',' or ']'"),
    ("a_wrong_file_name", "id: XX-01", "id: XX-02",
     f"{PATH}:1 (XX-02): id: file is named XX-01.yaml but holds XX-02"),
]


@pytest.mark.parametrize(("old", "new", "error"), [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_a_bad_rule_file_is_refused_with_its_file_and_line(old: str, new: str, error: str) -> None:
    assert old in BASE
    with pytest.raises(RuleFileError) as caught:
        parse_rule_file(BASE.replace(old, new), PATH, default_policy())
    assert str(caught.value) == error


# Populations (issue 11): whom a rule protects is declared, never an age condition.
# (what the file tries, the text replaced, its replacement, the rule's population, error)
POPULATION_FILES = [
    ("an_unknown_population", "population: every_detainee", "population: adults",
     "every_detainee",
     f"{PATH}:23 (XX-01): population: 'adults' is not one of: code_c_juvenile, "
     "pace_juvenile, every_detainee, child"),
    ("a_population_age_line", "{type: review, at: {gt: detained.at}}",
     "{type: review, age: {lt: 18}}", "every_detainee",
     f"{WHERE}.age: age lt 18: the 17 and 18 lines moved over the years; declare "
     "`population` (code_c_juvenile, pace_juvenile) instead"),
    ("a_population_the_anchor_lacks", "population: every_detainee",
     "population: code_c_juvenile\npopulation_at: nobody", "every_detainee",
     f"{PATH}:24 (XX-01): population_at: 'nobody' is not an alias of the trigger"),
    ("a_population_contradicted", "  detained: {type: detention_authorised}",
     "  detained: {type: detention_authorised, juvenile: 0}", "pace_juvenile",
     f"{PATH}:1 (XX-01): trigger.detained.juvenile: population pace_juvenile binds juvenile "
     "to 1 here; a rule cannot say otherwise"),
    ("a_check_population_without_match",
     "    match:\n      review: {type: review, at: {gt: detained.at}}\n    absent:\n"
     "      earlier: {type: review, at: {lt: review.at}}\n    message: Review at {review.at}.",
     "    population: code_c_juvenile\n    absent:\n      earlier: {type: review}\n"
     "    message: No review.", "every_detainee",
     f"{PATH}:17 (XX-01): checks[0].population: a check with its own population binds it "
     "to its first match pattern, and has none"),
    ("a_narrower_check_in_a_juvenile_rule", "status: violated",
     "status: violated\n    population: code_c_juvenile", "pace_juvenile",
     f"{PATH}:16 (XX-01): checks[0].population: only a rule for every detainee can have "
     "checks for a narrower population (the populations are not nested: 17-year-olds were "
     "Code C juveniles from 2013 but PACE arrested juveniles only from 2015)"),
    ("a_bad_check_date", "status: violated", "status: violated\n    effective_from: soon",
     "every_detainee",
     f"{PATH}:16 (XX-01): checks[0].effective_from: expected a date YYYY-MM-DD"),
]


@pytest.mark.parametrize(("old", "new", "population", "error"),
                         [case[1:] for case in POPULATION_FILES],
                         ids=[case[0] for case in POPULATION_FILES])
def test_a_rule_must_declare_whom_it_protects(old: str, new: str, population: str,
                                              error: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new).replace("population: every_detainee",
                                          f"population: {population}")
    if new.startswith("population:"):
        text = BASE.replace(old, new)
    with pytest.raises(RuleFileError) as caught:
        parse_rule_file(text, PATH, default_policy())
    assert str(caught.value) == error


def test_a_population_is_bound_to_its_anchor_and_a_check_to_its_first_match() -> None:
    text = BASE.replace("population: every_detainee", "population: code_c_juvenile")
    rule = parse_rule_file(text, PATH, default_policy())
    assert ("code_c_juvenile", "eq", 1) in [(c.field, c.op, c.value)
                                           for c in rule.trigger[0].conditions]
    assert rule.population_at == "detained"
    text = BASE.replace("status: violated", "status: violated\n    population: pace_juvenile\n"
                        "    effective_from: 2015-10-26")
    rule = parse_rule_file(text, PATH, default_policy())
    check = rule.checks[0]
    assert ("juvenile", "eq", 1) in [(c.field, c.op, c.value) for c in check.match[0].conditions]
    assert rule.population_of(check).value == "pace_juvenile"
    assert not check.in_force_on(date(2015, 10, 25)) and check.in_force_on(date(2015, 10, 26))

# Files that are not rules at all, or rules written wrong: each refused where it goes wrong.
# (what is wrong, the text replaced (None: the whole file), its replacement, the exact error)
MALFORMED: list[tuple[str, str | None, str, str]] = [
    ('not_a_mapping',
     None,
     '- just\n- a list\n',
     f'{PATH}:1: expected a mapping'),
    ('missing_title',
     'title: Test rule\n',
     '',
     f"{PATH}:1 (XX-01): missing key 'title'"),
    ('bad_id',
     'id: XX-01',
     'id: review-1',
     f'{PATH}:1 (review-1): id: expected a catalogue id such as PC-09'),
    ('empty_citations',
     'citations: [test]',
     'citations: []',
     f'{PATH}:6 (XX-01): citations: expected a non-empty list'),
    ('empty_trigger',
     'trigger:\n  detained: {type: detention_authorised}\n',
     'trigger: {}\n',
     f'{PATH}:11 (XX-01): trigger: needs at least one pattern'),
    ('duplicate_check',
     'examples: []',
     '  - name: no_review\n    status: violated\n    describe: x\n    message: x\nexamples: []',
     f'{PATH}:13 (XX-01): checks: check names must be unique'),
    ('examples_mapping',
     'examples: []',
     'examples: {}',
     f'{PATH}:22 (XX-01): examples: expected a list'),
    ('bad_severity',
     'severity: code',
     'severity: serious',
     f"{PATH}:3 (XX-01): severity: 'serious' is not one of: statute, code, guidance, "
      'policy, good_practice'),
    ('bad_date',
     'remedy: x\n',
     'remedy: x\neffective_from: yesterday\n',
     f'{PATH}:11 (XX-01): effective_from: expected a date YYYY-MM-DD'),
    ('title_number',
     'title: Test rule',
     'title: 5',
     f'{PATH}:2 (XX-01): title: expected text'),
    ('check_name',
     'name: no_review',
     'name: No Review',
     f'{PATH}:14 (XX-01): checks[0].name: expected a snake_case name'),
    ('deadline_duration_only',
     '    absent:\n',
     '    deadline: 6h\n    absent:\n',
     f'{PATH}:19 (XX-01): checks[0].deadline: expected alias.field plus a duration'),
    ('pending_without_deadline',
     '    message: Review at {review.at}.',
     '    message: Review at {review.at}.\n    pending: soon',
     f'{PATH}:22 (XX-01): checks[0].pending: only a check with a deadline can be pending'),
    ('needs_review_without_question',
     'status: violated',
     'status: needs_review',
     f'{PATH}:14 (XX-01): checks[0].question: a needs_review check must ask its question'),
    ('check_severity',
     'status: violated',
     'status: violated\n    severity: high',
     f"{PATH}:16 (XX-01): checks[0].severity: 'high' is not one of: statute, code, guidance, "
      'policy, good_practice'),
    ('placeholder_unbound',
     'message: Review at {review.at}.',
     'message: Review at {earlier.at}.',
     f'{PATH}:21 (XX-01): checks[0].message: placeholder {{earlier.at}} names nothing bound'),
    ('alias_not_snake',
     '      review: {type: review, at: {gt: detained.at}}',
     '      Review: {type: review, at: {gt: detained.at}}',
     f"{PATH}:18 (XX-01): checks[0].match: alias 'Review' must be a snake_case name"),
    ('alias_reused',
     '      review: {type: review, at: {gt: detained.at}}',
     '      detained: {type: review}',
     f'{PATH}:18 (XX-01): checks[0].match.detained: alias already used'),
    ('pattern_without_type',
     '{type: review, at: {gt: detained.at}}',
     '{at: {gt: detained.at}}',
     f'{PATH}:18 (XX-01): checks[0].match.review: every pattern names exactly one type'),
    ('pattern_type_op',
     '{type: review, at: {gt: detained.at}}',
     '{type: {ne: review}}',
     f'{PATH}:18 (XX-01): checks[0].match.review: every pattern names exactly one type'),
    ('field_not_snake',
     '{type: review, at: {gt: detained.at}}',
     '{type: review, At: 1}',
     f"{PATH}:18 (XX-01): checks[0].match.review: field 'At' must be a snake_case name"),
    ('end_type',
     '    absent:\n',
     '    end: {type: end}\n    absent:\n',
     f"{PATH}:19 (XX-01): checks[0].end.type: the end fact's type is fixed"),
    ('empty_condition',
     '{type: review, at: {gt: detained.at}}',
     '{type: review, nth: {}}',
     f'{PATH}:18 (XX-01): checks[0].match.review.nth: empty condition'),
    ('in_not_list',
     '{type: review, at: {gt: detained.at}}',
     '{type: review, mode: {in: video}}',
     f'{PATH}:18 (XX-01): checks[0].match.review.mode: in takes a non-empty list of values'),
    ('matches_number',
     '{type: review, at: {gt: detained.at}}',
     '{type: review, note: {matches: 5}}',
     f'{PATH}:18 (XX-01): checks[0].match.review.note: matches takes a regular expression'),
    ('alias_not_first',
     'at: {gt: detained.at}',
     'at: {gt: 6h + detained.at}',
     f"{PATH}:18 (XX-01): checks[0].match.review.at: '6h + detained.at': only one alias.field, "
      'first'),
    ('cannot_read',
     'at: {gt: detained.at}',
     'at: {gt: detained.at + soon}',
     f"{PATH}:18 (XX-01): checks[0].match.review.at: 'detained.at + soon': cannot read 'soon'"),
    ('unknown_threshold_expr',
     'at: {gt: detained.at}',
     'at: {gt: detained.at + policy.nope}',
     f"{PATH}:18 (XX-01): checks[0].match.review.at: unknown policy threshold 'nope'"),
    ('example_name',
     'examples: []',
     'examples:\n  - {name: Bad Name, expect: []}',
     f'{PATH}:23 (XX-01): examples[0].name: expected a snake_case name'),
    ('example_expect',
     'examples: []',
     'examples:\n  - {name: ok, expect: violated}',
     f'{PATH}:23 (XX-01): examples[0].expect: expected a list ([] when it must not fire)'),
    ('example_expect_key',
     'examples: []',
     'examples:\n  - {name: ok, expect: [{status: violated, when: now}]}',
     f"{PATH}:23 (XX-01): examples[0].expect: unknown key 'when'"),
    ('example_events',
     'examples: []',
     'examples:\n  - {name: ok, expect: [{status: violated, events: e1}]}',
     f'{PATH}:23 (XX-01): examples[0].expect.events: expected a list of event ids'),
    ('example_status',
     'examples: []',
     'examples:\n  - {name: ok, expect: [{status: late}]}',
     f"{PATH}:23 (XX-01): examples[0].expect.status: 'late' is not one of: violated, pending, "
      'needs_review'),
    ('example_unknown_key',
     'examples: []',
     'examples:\n  - {name: ok, expect: [], colour: red}',
     f"{PATH}:23 (XX-01): examples[0]: unknown key 'colour'"),
    ('check_not_mapping',
     'examples: []',
     '  - just text\nexamples: []',
     f'{PATH}:22 (XX-01): checks[1]: expected a mapping'),
    ('trigger_not_mapping',
     'trigger:\n  detained: {type: detention_authorised}\n',
     'trigger: [detained]\n',
     f'{PATH}:11 (XX-01): trigger: expected a mapping'),
    ('empty_file',
     None,
     '',
     f'{PATH}: expected a mapping'),
]


@pytest.mark.parametrize(("old", "new", "error"), [case[1:] for case in MALFORMED],
                         ids=[case[0] for case in MALFORMED])
def test_a_malformed_rule_file_is_refused_where_it_goes_wrong(old: str | None, new: str,
                                                            error: str) -> None:
    assert old is None or old in BASE
    text = new if old is None else BASE.replace(old, new)
    with pytest.raises(RuleFileError) as caught:
        parse_rule_file(text, PATH, default_policy())
    assert str(caught.value) == error


def test_the_base_rule_file_is_valid() -> None:
    rule = parse_rule_file(BASE, PATH, default_policy())
    assert (rule.id, rule.line, rule.group) == ("XX-01", 1, "care")


def test_a_python_tag_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = BASE.replace("title: Test rule",
                        'title: !!python/object/apply:os.system ["touch pwned"]')
    with pytest.raises(RuleFileError):
        parse_rule_file(text, PATH, default_policy())
    assert not (tmp_path / "pwned").exists()


def test_load_rulebook_names_the_bad_file_by_its_path_in_the_catalogue(tmp_path: Path) -> None:
    (tmp_path / "care").mkdir()
    (tmp_path / "care" / "XX-01.yaml").write_text(BASE.replace("gt: detained.at", "gt: x.at"))
    (tmp_path / "care" / "_ignored.yaml").write_text("not: [a rule")
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(default_policy(), tmp_path)
    assert str(caught.value) == f"{WHERE}.at: 'x.at': x is not bound before this"


def test_two_files_with_one_id_are_refused(tmp_path: Path) -> None:
    for group in ("care", "reviews"):
        (tmp_path / group).mkdir()
        (tmp_path / group / "XX-01.yaml").write_text(BASE)
    with pytest.raises(RuleFileError) as caught:
        load_rulebook(default_policy(), tmp_path)
    assert str(caught.value) == "care/XX-01.yaml:1 (XX-01): rule id also used by reviews/XX-01.yaml"


# ----------------------------------------------------------------- the compiler's own refusals

def _rule() -> RuleSpec:
    return parse_rule_file(BASE, PATH, default_policy())


ARRIVAL = {"a": {"type": "arrival"}}
END = {"end": {"type": "end"}}
UNSAFE: list[tuple[str, dict[str, Any], str]] = [
    ("an_any_gate", {"any": [ARRIVAL, END]},
     "only `all` rules are safe (an `any` gate fires combined activations)"),
    ("all_and_any", {"all": [ARRIVAL, END], "any": [ARRIVAL]},
     "only `all` rules are safe (an `any` gate fires combined activations)"),
    ("two_aliases_in_one_condition", {"all": [{**ARRIVAL, **END}]},
     "each condition binds exactly one alias"),
    ("a_nested_any", {"all": [END, {"x$any": [ARRIVAL]}]}, "nested gate 'x$any' is not allowed"),
    ("a_nested_all", {"all": [END, {"x$all": [ARRIVAL]}]}, "nested gate 'x$all' is not allowed"),
    ("an_absence_before_the_end", {"all": [ARRIVAL, {"r$not": {"type": "review"}}, END]},
     "absence 'r' before the end fact is judged too early"),
    ("an_absence_with_no_end", {"all": [ARRIVAL, {"r$not": {"type": "review"}}]},
     "absence 'r' before the end fact is judged too early"),
    ("a_join_on_id", {"all": [ARRIVAL, {"r": {"$and": [
        {"type": "review"}, {"$gt": {"at": {"a": "id"}}}]}}, END]},
     "joins on id or sid corrupt memory (bug B3)"),
    ("a_join_on_sid_in_arithmetic", {"all": [ARRIVAL, {"r": {"$and": [
        {"type": "review"}, {"$gt": {"at": {"$add": {"$l": {"a": "sid"}, "$r": 1}}}}]}}, END]},
     "joins on id or sid corrupt memory (bug B3)"),
    ("a_condition_on_sid", {"all": [{"a": {"$and": [{"type": "arrival"}, {"sid": "s1"}]}}, END]},
     "conditions may not use id or sid (bug B3)"),
    ("a_condition_on_id", {"all": [{"a": {"id": "e1"}}, END]},
     "conditions may not use id or sid (bug B3)"),
    ("a_join_on_an_unbound_alias", {"all": [{"r": {"$and": [
        {"type": "review"}, {"$gt": {"at": {"a": "at"}}}]}}, ARRIVAL, END]},
     "join on 'a', which is not bound before it"),
    ("a_join_on_an_absent_alias", {"all": [END, {"x$not": {"type": "charge"}}, {"r": {"$and": [
        {"type": "review"}, {"$gt": {"at": {"x": "at"}}}]}}]},
     "join on 'x', which is not bound before it"),
    ("a_nested_group_with_a_join", {"all": [ARRIVAL, {"r": {"$and": [
        {"type": "review"}, {"$or": [{"$gt": {"at": {"a": "at"}}}, {"nth": 1}]}]}}, END]},
     "a nested group holding a join skips later conditions (bug B6)"),
]


@pytest.mark.parametrize(("definition", "problem"), [case[1:] for case in UNSAFE],
                         ids=[case[0] for case in UNSAFE])
def test_the_compiler_refuses_unsafe_engine_json(definition: dict[str, Any], problem: str) -> None:
    with pytest.raises(RuleFileError) as caught:
        _refuse_unsafe(_rule(), "XX-01#made_by_hand", definition)
    assert str(caught.value) == f"{PATH}:1 (XX-01): XX-01#made_by_hand: {problem}"


@pytest.mark.parametrize("definition", [
    {"all": [ARRIVAL, END, {"r$not": {"type": "review"}}]},
    {"all": [ARRIVAL, {"r": {"$and": [{"type": "review"}, {"$gt": {"at": {"$add": {
        "$l": {"a": "at"}, "$r": 60}}}}, {"$or": [{"nth": 1}, {"nth": 2}]}]}}, END]},
    {"all": [ARRIVAL, {"r": {"$and": [{"type": "review"}, {"$imt": {"note": ".*id.*"}}]}}, END]},
])
def test_the_compiler_accepts_the_safe_shapes(definition: dict[str, Any]) -> None:
    _refuse_unsafe(_rule(), "XX-01#made_by_hand", definition)


def test_every_shipped_rule_compiles_to_safe_json() -> None:
    rulebook = builtin_rulebook()
    compiled = compile_rulebook(rulebook)  # runs _refuse_unsafe on every definition
    assert {engine_rule.rule_id for engine_rule in compiled.meaning.values()} == {
        rule.id for rule in rulebook}
    for definition in compiled.definitions.values():
        assert set(definition) == {"all"}
