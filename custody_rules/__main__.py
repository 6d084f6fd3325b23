"""`python -m custody_rules`: the command line."""

from custody_rules.cli import main

# Guarded: audit workers started by "spawn" (macOS, Windows) import this module again.
if __name__ == "__main__":
    main()
