"""Every output is written whole or not at all, and never over an input (issue 9, point 1)."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from custody_rules.outputs import OutputError, output_file, refuse_clashes, write_output
from tests.audit_data import AS_OF, EXPORT, PROFILE, records, run_cli, write_jsonl
from tests.conftest import ROOT
from tests.helpers import invoke


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_a_completed_output_replaces_the_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_output(target, b"new report")
    assert target.read_bytes() == b"new report"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    assert _leftovers(tmp_path) == []


def test_a_failure_half_way_leaves_the_earlier_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), output_file(target) as handle:
        handle.write(b"half a report")
        raise RuntimeError("stopped")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_write_errors_become_one_line_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"^/dev/full: cannot write: No space left on device$"):
        write_output(Path("/dev/full"), b"x" * 200_000)
    with pytest.raises(OutputError, match=r"directory .*missing does not exist"):
        write_output(tmp_path / "missing" / "x.md", b"x")
    with pytest.raises(OutputError, match="it is a directory"):
        write_output(tmp_path, b"x")


@pytest.mark.slow  # a CLI process
def test_a_file_size_limit_mid_write_fails_cleanly_in_a_real_process(tmp_path: Path) -> None:
    """EFBIG half way through a regular file (as ENOSPC would be): one line, exit 2, the
    earlier report intact, no temporary file left."""
    data = write_jsonl(tmp_path / "in.jsonl", records(30))
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    out.write_bytes(b"earlier report")

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    proc = subprocess.run(
        [sys.executable, "-m", "custody_rules", "audit", str(data), "--format", "json",
         "--output", str(out), "--as-of", AS_OF, "--jobs", "1"],
        cwd=ROOT, env=_without_coverage(), capture_output=True, text=True,
        preexec_fn=limit, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"{out}: cannot write: File too large\n"
    assert out.read_bytes() == b"earlier report"
    assert _leftovers(out.parent) == []


def _without_coverage() -> dict[str, str]:
    """The environment for a child under a file-size limit: without coverage's variables, whose
    own data file would hit the same limit at exit and add its traceback to stderr (CI runs
    the suite under coverage)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("COVERAGE_")}
    return {**env, "PYTHONPATH": str(ROOT)}


# A CLI process each: the fast suite keeps the first.
@pytest.mark.parametrize("args", [
    ["generate", "--records", "20", "--output", "/dev/full"],
    *(pytest.param(args, marks=pytest.mark.slow) for args in [
        ["audit", "examples/cambridgeshire.json", "--format", "json", "--output", "/dev/full"],
        ["scenario", "play", "gateshead-2004", "--format", "html", "-o", "/dev/full"],
        ["docs", "--output", "/dev/full"],
    ]),
])
def test_a_full_disk_is_one_line_and_exit_2(args: list[str]) -> None:
    result = run_cli(args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "/dev/full: cannot write: No space left on device"]


@pytest.mark.slow  # an audit in a CLI process
def test_a_full_disk_under_the_rejects_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "in.jsonl", ["{not json", *records(2)])
    result = run_cli(["audit", str(data), "--rejects", "/dev/full", "--as-of", AS_OF])
    assert result.returncode == 2, result.stderr
    assert result.stderr == "/dev/full: cannot write: No space left on device\n"
    assert result.stdout == ""


# A CLI process each: the fast suite keeps generate's.
@pytest.mark.parametrize("command", ["generate", pytest.param("audit", marks=pytest.mark.slow)])
def test_standard_output_on_a_full_disk_is_one_line_and_exit_2(command: str) -> None:
    args = {"generate": ["generate", "--records", "200"],
            "audit": ["audit", "examples/cambridgeshire.json", "--format", "json"]}[command]
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "custody_rules", *args], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr == "standard output: cannot write: No space left on device\n"


@pytest.mark.parametrize("args", [
    ["docs", "--output", "MISSING/x.md"],
    ["scenario", "play", "gateshead-2004", "-o", "MISSING/x.html", "--format", "html"],
    ["scenario", "play", "gateshead-2004", "-o", "MISSING/x.txt"],
    ["generate", "--records", "2", "--output", "MISSING/x.jsonl"],
    ["audit", "examples/cambridgeshire.json", "--output", "MISSING/x.json"],
    ["audit", "examples/cambridgeshire.json", "--rejects", "MISSING/x.jsonl"],
])
def test_an_output_in_a_missing_directory_is_one_line_and_exit_2(args: list[str]) -> None:
    result = invoke(args, 2)
    assert "MISSING/x." in result.stderr
    assert "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_generate_into_a_closed_pipe_ends_quietly() -> None:
    proc = subprocess.run(
        f"{sys.executable} -m custody_rules generate --records 3000 | head -c 10",
        shell=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, timeout=120, check=False)
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert len(proc.stdout) == 10


# --------------------------------------------------------------------------- clashes

def test_an_output_naming_an_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "in.jsonl", records(3))
    before = data.read_bytes()
    for option in ("--output", "--rejects"):
        result = invoke(["audit", str(data), option, str(data)], 2)
        assert result.stderr == (f"{option} {data}: it is also an input; writing it would "
                                 "destroy the input\n")
        assert data.read_bytes() == before
    link = tmp_path / "link.jsonl"
    os.link(data, link)  # the same file under another name
    invoke(["audit", str(data), "--output", str(link)], 2)
    invoke(["audit", str(data), "--output", str(data), "--policy", str(data)], 2)
    assert data.read_bytes() == before


def test_output_and_rejects_naming_one_file_is_refused(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "in.jsonl", records(3))
    same = tmp_path / "out.json"
    result = invoke(["audit", str(data), "--output", str(same), "--rejects",
                     str(tmp_path / "." / "out.json")], 2)
    assert result.stderr == f"--output and --rejects name the same file {same}\n"
    assert not same.exists()


@pytest.mark.slow  # audits
def test_an_output_a_later_audit_would_read_is_refused_inside_an_audited_folder(
        tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    write_jsonl(folder / "in.jsonl", records(3))
    result = invoke(["audit", str(folder), "--rejects", str(folder / "rejects.jsonl")], 2)
    assert "inside the input directory" in result.stderr
    assert not (folder / "rejects.jsonl").exists()
    # A report no audit reads (HTML, text, or CSV without a profile) may live there.
    invoke(["audit", str(folder), "--as-of", AS_OF, "--format", "html",
            "--output", str(folder / "report.html")], 1)
    # With a profile, CSV files are inputs too.
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "custodian.csv").write_bytes(EXPORT.read_bytes())
    result = invoke(["audit", str(exports), "--profile", str(PROFILE), "--format", "csv",
                     "--output", str(exports / "report.csv")], 2)
    assert "inside the input directory" in result.stderr


def test_refusal_of_a_scenario_page_written_over_its_own_files(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError):
        refuse_clashes({"-o": tmp_path / "d" / "record.json"}, [tmp_path / "d"])


def test_docs_refuses_to_write_into_an_installed_package(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    from custody_rules.cli import docs

    monkeypatch.setattr(docs, "default_output", lambda: None)
    result = invoke(["docs"], 2)
    assert result.stderr.startswith("docs: custody_rules is installed")
    assert "--output FILE" in result.stderr
    invoke(["docs", "--output", str(tmp_path / "rules.md")], 0)
    assert (tmp_path / "rules.md").read_text(encoding="utf-8").startswith("<!-- Generated")


def test_errno_of_a_write_error_is_kept_in_the_message(tmp_path: Path) -> None:
    class Failing:
        def write(self, data: bytes) -> int:
            raise OSError(errno.EIO, "Input/output error")

    from custody_rules.outputs import _Guarded

    guarded = _Guarded(open(os.devnull, "wb", buffering=0), "x.json")  # noqa: SIM115
    guarded.raw.write = Failing().write  # type: ignore[method-assign]
    with pytest.raises(OutputError, match=r"^x.json: cannot write: Input/output error$"):
        guarded.write(b"y" * 100_000)
