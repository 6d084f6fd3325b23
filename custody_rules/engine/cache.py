"""The compiled rulebook, cached between runs so that `check` starts fast.

Reading and parsing the rule files is most of the time `check` takes to start. The rulebook and
its compiled engine rules are kept in the user's cache directory (platformdirs), one file per
key: a digest of the rule files (names and texts), the policy, and this program's own code and
version, so that a changed rule file, policy or program never meets an old entry.

Nothing read back is trusted blindly. An entry is used only when the file belongs to this user
and no one else may write it, starts with this format's header and its own key, and its payload
has the SHA-256 the header states; the payload is then unpickled by an unpickler that can build
only this program's own classes and dates (never a function, so no code can run), and the result
must be a rulebook with the ruleset digest just computed. Anything else (a corrupt, truncated,
foreign or tampered entry, an unreadable directory) is ignored: the rulebook is built from the
files and the entry written again. A cache that cannot be written is no error.

    CUSTODY_RULES_CACHE_DIR=DIR   keep the cache in DIR instead of the user's cache directory
    CUSTODY_RULES_NO_CACHE=1      neither read nor write a cache
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
import tempfile
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from custody_rules import __version__
from custody_rules.engine.compile import CompiledRuleset, compile_rulebook
from custody_rules.policy import Policy
from custody_rules.rulebook import (
    RULESET_VERSION,
    Rulebook,
    load_rulebook,
    rule_files,
    ruleset_digest,
)

CACHE_DIR_ENV = "CUSTODY_RULES_CACHE_DIR"
NO_CACHE_ENV = "CUSTODY_RULES_NO_CACHE"
FORMAT = b"custody-rules compiled rulebook, format 1\n"
KEPT = 8  # entries kept; older ones are removed when a new one is written
_PACKAGE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path | None:
    """Where entries are kept, or None when caching is switched off."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    import platformdirs  # only here: it imports `platform`, which is slow to import

    return Path(platformdirs.user_cache_dir("custody-rules", appauthor=False)) / "rulebooks"


def compiled_rulebook(
    policy: Policy, directory: Traversable | Path | None = None
) -> tuple[Rulebook, CompiledRuleset]:
    """The rulebook for these rule files and this policy, and its compiled engine rules: from
    the cache when a sound entry is there, else built (and the entry written)."""
    where = cache_dir()
    if where is None:
        rulebook = load_rulebook(policy, directory)
        return rulebook, compile_rulebook(rulebook)
    files = rule_files(directory)
    digest = ruleset_digest(files)
    key = _key(digest, policy)
    path = where / f"{key}.rulebook"
    found = _read(path, key, digest)
    if found is not None:
        return found
    rulebook = load_rulebook(policy, directory)
    compiled = compile_rulebook(rulebook)
    if rulebook.digest == digest[:16]:  # the files did not change while being read
        _write(where, path, key, (rulebook, compiled))
    return rulebook, compiled


def _key(digest: str, policy: Policy) -> str:
    """What the entry depends on: the rule files, the policy, and the code that parses and
    compiles them (every source file of the package, so a changed program never reads an
    entry an older one wrote, even at the same version number)."""
    key = hashlib.sha256(FORMAT)
    for part in (__version__, RULESET_VERSION, sys.version, digest, repr(policy)):
        key.update(part.encode() + b"\0")
    for source in sorted(_PACKAGE.rglob("*.py")):
        with contextlib.suppress(OSError):
            key.update(source.relative_to(_PACKAGE).as_posix().encode() + b"\0"
                       + source.read_bytes() + b"\0")
    return key.hexdigest()


class _OwnClassesOnly(pickle.Unpickler):
    """Builds only this program's classes and dates; any other global (a function, a module
    that could run code) refuses the whole entry."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name == "date":
            return super().find_class(module, name)
        if module == "custody_rules" or module.startswith("custody_rules."):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"refused global {module}.{name}")


def _read(path: Path, key: str, digest: str) -> tuple[Rulebook, CompiledRuleset] | None:
    try:
        with path.open("rb") as handle:
            status = os.fstat(handle.fileno())
            if hasattr(os, "getuid") and (status.st_uid != os.getuid()
                                          or status.st_mode & 0o022):
                return None  # someone else could have written it
            data = handle.read()
    except OSError:
        return None
    header = FORMAT + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    stated, _, payload = data[len(header):].partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != stated:
        return None
    try:
        value = _OwnClassesOnly(io.BytesIO(payload)).load()
    except Exception:  # a damaged or refused payload is simply not used
        return None
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], Rulebook)
            and isinstance(value[1], CompiledRuleset) and value[0].digest == digest[:16]):
        return None
    return value[0], value[1]


def _write(where: Path, path: Path, key: str, value: tuple[Rulebook, CompiledRuleset]) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    data = (FORMAT + key.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode()
            + b"\n" + payload)
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where, prefix=".writing-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        entries = sorted(where.glob("*.rulebook"), key=lambda p: p.stat().st_mtime,
                         reverse=True)
        for old in entries[KEPT:]:
            old.unlink()
    except OSError:
        pass  # no cache this time; the next run tries again
