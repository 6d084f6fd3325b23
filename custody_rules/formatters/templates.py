"""The HTML pages' Jinja2 environment: templates shipped as package data
(custody_rules/templates), every value escaped unless a template marks it safe.

Jinja2 rather than f-strings: autoescape makes escaping the default instead of a call each
line must remember, and the page's structure reads as HTML.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

# Nothing loads from anywhere: no scripts, no fonts, no images beyond data: URIs. A page that
# runs a script names it by its hash (`script_policy`), so no other script can run.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("custody_rules", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template(name: str) -> Template:
    return environment().get_template(name)


def script_policy(script: str) -> str:
    """The CSP that lets exactly this inline script run, and nothing else."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"{CSP}; script-src 'sha256-{digest}'"
