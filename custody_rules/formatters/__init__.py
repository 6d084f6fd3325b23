"""Step 6, formatters: views to text, JSON, CSV and HTML. They render (view, format) pairs and
compute nothing of their own; every time is shown in UK time (`custody_rules.uktime`)."""
