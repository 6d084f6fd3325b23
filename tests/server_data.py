"""Records and applications for the server's tests (API and browser)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from custody_rules.checker import Checker
from custody_rules.convert import _datetime
from custody_rules.server.app import ServerSettings, create_app
from custody_rules.server.board import Judge, RecordFolder
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
LIVE_AS_OF = "2024-06-12T19:00:00+01:00"
# A note that would run if the page did not escape it, and that no log may ever contain.
HOSTILE_NOTE = "<script>document.title='pwned';window.pwned=1</script><b>bold?</b> NOTE-7F3A"


def live() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((EXAMPLES / "live.json").read_text(encoding="utf-8"))
    return raw


def shifted(record: dict[str, Any], record_id: str, minutes: int) -> dict[str, Any]:
    """The record under another id, every time moved by `minutes`."""
    moved = copy.deepcopy(record)
    moved["record_id"] = record_id
    for event in moved["events"]:
        for key in ("at", "until"):
            if key in event:
                at: datetime = _datetime(event[key], datetime)
                event[key] = (at + timedelta(minutes=minutes)).isoformat()
    return moved


def with_note(record: dict[str, Any], note: str = HOSTILE_NOTE) -> dict[str, Any]:
    noted = copy.deepcopy(record)
    noted["events"][1]["note"] = note
    return noted


def write(path: Path, record: dict[str, Any]) -> Path:
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def suite_folder(folder: Path) -> Path:
    """Three children held at 19:00 (one overdue), one record closed, one unreadable file."""
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "live.json", live())
    # Arrived three hours earlier: by 19:00 its certificate and the LA's answer are overdue.
    write(folder / "earlier.json", shifted(live(), "MP-2024-770001", -180))
    # Arrived 40 minutes later, with a note that must stay text.
    write(folder / "later.json", with_note(shifted(live(), "MP-2024-772200", 40)))
    (folder / "closed.json").write_bytes((EXAMPLES / "cambridgeshire.json").read_bytes())
    (folder / "broken.json").write_text('{"record_id": "MP-2024-779999", "events": [',
                                        encoding="utf-8")
    return folder


def app_for(checker: Checker, paths: list[Path], as_of: str | None = LIVE_AS_OF,
            token: str | None = None, loopback_only: bool = True, scenarios: tuple[Any, ...] = ()
            ) -> Any:
    moment = _datetime(as_of, datetime) if as_of else None
    settings = ServerSettings(folder=RecordFolder(paths), judge=Judge(checker),
                              scenarios=scenarios, as_of=moment, token=token,
                              loopback_only=loopback_only)
    return create_app(settings)
