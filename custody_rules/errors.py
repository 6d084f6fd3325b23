"""Domain errors. Library code raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class CustodyRulesError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(CustodyRulesError):
    """A record that cannot be read or does not follow the record format.

    Carries every problem found, not only the first, each naming the field.
    """

    def __init__(self, record_id: str | None, problems: list[str], source: str | None = None):
        self.record_id = record_id
        self.problems = problems
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem: `record CB-1 > events[3].at: time has no UTC offset`."""
        where = f"record {self.record_id}" if self.record_id else (self.source or "input")
        return [f"{where} > {problem}" if problem else where for problem in self.problems]


class RuleFileError(CustodyRulesError):
    """A rule file that cannot be loaded or compiles to an unsafe engine shape."""

    def __init__(self, path: str, problem: str, rule_id: str | None = None):
        self.path = path
        self.rule_id = rule_id
        self.problem = problem
        where = f"{path} ({rule_id})" if rule_id else path
        super().__init__(f"{where}: {problem}")


class PolicyError(CustodyRulesError):
    """A policy file that cannot be read or names an unknown threshold."""


class EngineFailed(CustodyRulesError):
    """The rule engine gave no trustworthy result (the CLI's exit code 3)."""


class AuditAborted(EngineFailed):
    """An audit that cannot go on: no record can be checked (e.g. the engine refused the rules
    in every worker), or the records read no longer add up."""


class EngineError(EngineFailed):
    """The rule engine failed on one record; that record has no trustworthy result."""

    def __init__(self, record_id: str, reason: str):
        self.record_id = record_id
        self.reason = reason
        super().__init__(f"record {record_id}: rule engine failed: {reason}")
