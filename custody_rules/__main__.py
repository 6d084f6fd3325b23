from custody_rules.cli import main

main()
