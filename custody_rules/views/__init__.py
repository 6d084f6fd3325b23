"""Views: what a person is shown, as data.

Each view is built from a judged record (`RecordResult`) and returns attrs classes; none knows
of click, terminals or output formats. The formatters (`custody_rules.formatters`) render a
(view, format) pair and compute nothing of their own.

* `narrative`: events in words and times as custody staff write them;
* `handover`: the custody sergeant's handover of a child still held;
* `explain`: why one rule fired, did not fire, or did not apply;
* `scenario`: a training scenario's walk, event by event, and how it ends.
"""
