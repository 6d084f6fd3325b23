"""`custody-rules serve`: the custody suite's page and a JSON API for custody systems.

The server adds no law and no reading of its own. It reads PATH as `audit` does
(custody_rules.audit.sources), validates each record as `check` does, judges it with the one
Checker, and shows the same views (the handover, `explain`, the training walk) and the same
findings JSON (`check --format json`). Its own code is the web: routes, templates, the board's
ordering and the safety of a page that shows custody records.
"""

from __future__ import annotations
