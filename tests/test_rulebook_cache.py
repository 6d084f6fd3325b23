"""The compiled rulebook cache: used when sound, rebuilt when the rules change, ignored when
corrupt or foreign, never a way to run code, and off when asked."""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
from pathlib import Path

import pytest

from custody_rules.engine import cache
from custody_rules.engine.compile import compile_rulebook
from custody_rules.policy import default_policy, load_policy
from custody_rules.rulebook import builtin_rules_dir, load_rulebook
from tests.conftest import ROOT


@pytest.fixture
def where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(directory))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    return directory


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(Path(str(builtin_rules_dir())), copy)
    return copy


def entries(where: Path) -> list[Path]:
    return sorted(where.glob("*.rulebook"))


def fresh(rules: Path | None = None) -> tuple[object, object]:
    """The rulebook and its compiled form, built without the cache (the shipped catalogue's
    once per session: it is what every test compares against)."""
    return _fresh_builtin() if rules is None else _build(rules)


def _build(rules: Path | None) -> tuple[object, object]:
    rulebook = load_rulebook(default_policy(), rules)
    return rulebook, compile_rulebook(rulebook)


@functools.cache
def _fresh_builtin() -> tuple[object, object]:
    return _build(None)


def test_a_second_load_comes_from_the_cache_and_equals_a_fresh_build(
        where: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = cache.compiled_rulebook(default_policy())
    assert first == fresh()
    [entry] = entries(where)
    assert entry.stat().st_mode & 0o077 == 0

    def no_parsing(*_: object) -> None:
        raise AssertionError("the rule files were parsed again")

    monkeypatch.setattr(cache, "load_rulebook", no_parsing)
    assert cache.compiled_rulebook(default_policy()) == first


@pytest.mark.slow  # four builds of the catalogue
def test_a_changed_rule_file_or_policy_is_a_new_entry(where: Path, rules: Path,
                                                      tmp_path: Path) -> None:
    before = cache.compiled_rulebook(default_policy(), rules)
    rule = next(rules.rglob("RV-01.yaml"))
    rule.write_text(rule.read_text(encoding="utf-8").replace(
        "First review of detention", "The first review of detention"), encoding="utf-8")
    after = cache.compiled_rulebook(default_policy(), rules)
    assert after[0].digest != before[0].digest  # type: ignore[attr-defined]
    assert after == fresh(rules)
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("aa_request_within: 45\n", encoding="utf-8")
    policy = load_policy(policy_file)
    assert cache.compiled_rulebook(policy, rules)[0].policy == policy  # type: ignore[attr-defined]
    assert len(entries(where)) == 3


# Each damage costs two builds of the catalogue: one of them is in the fast suite.
@pytest.mark.parametrize("damage", [
    "payload", *(pytest.param(damage, marks=pytest.mark.slow)
                 for damage in ("garbage", "truncated", "header", "empty"))])
def test_a_corrupt_entry_is_ignored_and_rebuilt(where: Path, damage: str) -> None:
    expected = cache.compiled_rulebook(default_policy())
    [entry] = entries(where)
    data = entry.read_bytes()
    damaged = {
        "garbage": os.urandom(2000),
        "truncated": data[: len(data) // 2],
        "payload": data[:-10] + b"0123456789",
        "header": data.replace(b"format 1", b"format 9", 1),
        "empty": b"",
    }[damage]
    entry.write_bytes(damaged)
    assert cache.compiled_rulebook(default_policy()) == expected
    assert entry.read_bytes() == data  # written again, sound


def _forge(entry: Path, value: object) -> None:
    """An entry with a correct header and checksum around another payload."""
    data = entry.read_bytes()
    header_end = data.index(b"\n", len(cache.FORMAT)) + 1
    payload = pickle.dumps(value)
    entry.write_bytes(data[:header_end] + hashlib.sha256(payload).hexdigest().encode() + b"\n"
                      + payload)


class _RunsCode:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch ran-code",))


@pytest.mark.slow  # five builds of the catalogue
def test_a_foreign_entry_is_never_trusted(where: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    expected = cache.compiled_rulebook(default_policy())
    [entry] = entries(where)
    other = cache.compiled_rulebook(default_policy(), ROOT / "rules" / "reviews")
    monkeypatch.chdir(tmp_path)
    for value in (_RunsCode(), ("not", "a rulebook"), other):
        _forge(entry, value)
        assert cache.compiled_rulebook(default_policy()) == expected
    assert not (tmp_path / "ran-code").exists()
    os.chmod(entry, 0o666)  # writable by others: whatever it holds, it is not read
    _forge(entry, other)
    os.chmod(entry, 0o666)
    assert cache.compiled_rulebook(default_policy()) == expected


@pytest.mark.slow  # a build of the catalogue
def test_switched_off_nothing_is_read_or_written(where: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    assert cache.compiled_rulebook(default_policy()) == fresh()
    assert not where.exists()


@pytest.mark.slow  # a build of the catalogue
def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(blocked / "cache"))
    assert cache.compiled_rulebook(default_policy()) == fresh()


def test_the_default_place_is_the_users_cache_directory(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    import platformdirs

    monkeypatch.delenv(cache.CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    assert cache.cache_dir() == (Path(platformdirs.user_cache_dir("custody-rules",
                                                                  appauthor=False))
                                 / "rulebooks")
    monkeypatch.setenv(cache.NO_CACHE_ENV, "0")
    assert cache.cache_dir() is not None


def test_an_entry_by_policy_files_reads_no_yaml_when_warm_and_follows_the_file(
        where: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("aa_request_within: 45\n", encoding="utf-8")
    first = cache.rulebook_for_policy_file(policy_file)
    assert first[0].policy == load_policy(policy_file)
    assert first[1] == compile_rulebook(first[0])
    assert len(entries(where)) == 1

    def no_yaml(*_: object) -> None:
        raise AssertionError("the policy or the rule files were read again")

    with monkeypatch.context() as patched:
        patched.setattr(cache, "load_policy", no_yaml)
        patched.setattr(cache, "load_rulebook", no_yaml)
        assert cache.rulebook_for_policy_file(policy_file) == first
    # Another override is another entry, read as a policy; so are the defaults alone.
    policy_file.write_text("aa_request_within: 50\n", encoding="utf-8")
    second = cache.rulebook_for_policy_file(policy_file)
    assert second[0].policy == load_policy(policy_file) != first[0].policy
    assert cache.rulebook_for_policy_file(None)[0].policy == default_policy()
    assert len(entries(where)) == 3


def test_a_policy_file_that_cannot_be_keyed_goes_the_usual_way(
        where: Path, tmp_path: Path) -> None:
    from custody_rules.errors import PolicyError

    for bad in (tmp_path / "missing.yaml", tmp_path):
        with pytest.raises(PolicyError) as raised:
            cache.rulebook_for_policy_file(bad)
        with pytest.raises(PolicyError) as usual:
            load_policy(bad)
        assert str(raised.value) == str(usual.value)
    assert entries(where) == []
