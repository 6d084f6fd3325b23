"""The audit of many records: read many sources, check every record in worker processes, and
account for each one (checked, rejected or failed) in a summary for auditors.

Modules, in the order the data flows:

* `profile`: mapping profiles that turn a custody system's CSV export into our record format;
* `sources`: finding the input files and reading them as numbered items (one per record);
* `worker`: one worker process: its own Checker, its own share of the items, compact results;
* `runner`: the pool of workers, merging their results back into input order, surviving deaths;
* `summary`: the per-record digests and the aggregates auditors need.

The report formatters live in `custody_rules.formatters.audit_*`.
"""
