"""custody_rules: checks children's custody records against the law that governs their detention.

The data flows one way: read -> validate -> timeline -> rules (compiled to durable-rules) ->
findings -> formatters -> CLI.
"""

__version__ = "0.1.0"
