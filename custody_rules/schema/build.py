"""Write record.schema.json from the model: `python -m custody_rules.schema.build`."""

import json
from pathlib import Path

from custody_rules.schema import record_schema

target = Path(__file__).with_name("record.schema.json")
target.write_text(json.dumps(record_schema(), indent=2) + "\n", encoding="utf-8")
print(f"wrote {target}")
