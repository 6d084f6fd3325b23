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

`rulebook_for_policy_file` keys an entry by the policy's files (the shipped defaults and the
override file, their bytes) instead of the policy read from them, so that a warm cache gives
`check` its rulebook, policy included, without reading any YAML or importing the parser.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import stat
import sys
import tempfile
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from custody_rules import __version__
from custody_rules.engine.compile import CompiledRuleset, compile_rulebook
from custody_rules.policy import Policy, load_policy
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
POLICY_FILE_BYTES = 1024 * 1024  # a larger policy file is read the usual way (and refused)
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
    key = _key(digest, repr(policy))
    path = where / f"{key}.rulebook"
    found = _read(path, key, digest)
    if found is not None:
        return found
    rulebook = load_rulebook(policy, directory)
    compiled = compile_rulebook(rulebook)
    if rulebook.digest == digest[:16]:  # the files did not change while being read
        _write(where, path, key, (rulebook, compiled))
    return rulebook, compiled


def rulebook_for_policy_file(
    policy_path: Path | None, directory: Traversable | Path | None = None
) -> tuple[Rulebook, CompiledRuleset]:
    """`compiled_rulebook(load_policy(policy_path), directory)`, its entry keyed by the bytes of
    the policy files rather than by the policy read from them: a sound entry is used without
    reading the policy's YAML. A policy file that is not a regular file, cannot be read or is
    too large goes the usual way (whose errors are the policy's own)."""
    where = cache_dir()
    policy_files = _policy_files(policy_path)
    if where is None or policy_files is None:
        return compiled_rulebook(load_policy(policy_path), directory)
    files = rule_files(directory)
    digest = ruleset_digest(files)
    key = _key(digest, policy_files)
    path = where / f"{key}.rulebook"
    found = _read(path, key, digest)
    if found is not None:
        return found
    policy = load_policy(policy_path)
    built = load_rulebook(policy, directory)
    compiled = compile_rulebook(built)
    # Neither the rule files nor the policy files changed while being read.
    if built.digest == digest[:16] and _policy_files(policy_path) == policy_files:
        _write(where, path, key, (built, compiled))
    return built, compiled


def _policy_files(policy_path: Path | None) -> str | None:
    """What the policy is read from: the shipped defaults' text and, for an override, its
    path and bytes (a digest of them); None when the override is not a regular file of at most
    POLICY_FILE_BYTES that can be read."""
    key = hashlib.sha256(b"policy\0")
    try:
        key.update(resources.files("custody_rules").joinpath("policy.yaml").read_bytes() + b"\0")
        if policy_path is not None:
            with open(policy_path, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return None
                data = handle.read(POLICY_FILE_BYTES + 1)
            if len(data) > POLICY_FILE_BYTES:
                return None
            key.update(str(policy_path).encode("utf-8", "surrogatepass") + b"\0" + data)
    except OSError:
        return None
    return f"policy files {key.hexdigest()}"


def _key(digest: str, policy: str) -> str:
    """What the entry depends on: the rule files, the policy (as read, or its files), and the
    code that parses and compiles them (every source file of the package, so a changed program
    never reads an entry an older one wrote, even at the same version number)."""
    key = hashlib.sha256(FORMAT)
    for part in (__version__, RULESET_VERSION, sys.version, digest, policy):
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
