"""The HTML audit report: self-contained, escaped, and rendered by a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.audit_data import AS_OF, records, write_jsonl
from tests.helpers import invoke

HOSTILE_STATION = "<script>document.title='owned'</script>"
HOSTILE_NOTE = "<img src=x onerror=\"document.title='owned'\">"


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.links += [value or "" for name, value in attrs if name in ("src", "href")]


def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    batch: list[dict[str, Any]] = records(12, seed=3)
    batch[0]["station"] = HOSTILE_STATION
    batch[0]["record_id"] = "R<1>&co"
    batch[0]["events"][0]["note"] = HOSTILE_NOTE
    source = write_jsonl(folder / "r.jsonl", [*batch, "{broken"])
    out = folder / "audit.html"
    invoke(["audit", str(source), "--format", "html", "--output", str(out), "--as-of", AS_OF,
            "--quiet"], 1)
    return out


def test_html_is_self_contained_and_escapes_what_records_say(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html and "R&lt;1&gt;&amp;co" in html
    # No external asset: every link is an anchor in the page, and nothing is loaded.
    refs = _References()
    refs.feed(html)
    assert refs.tags >= {"svg", "rect", "table", "section", "ol"}
    assert not refs.tags & {"script", "img", "link", "iframe", "object", "embed", "image"}
    assert refs.links and all(link.startswith("#") for link in refs.links)
    assert "default-src 'none'" in html


@pytest.mark.slow  # a browser
@pytest.mark.skipif(_browser() is None, reason="chromium is not installed (apt-get install "
                    "chromium); CI installs it")
def test_html_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
               report.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<title>Custody records audit: 13 records</title>" in dom  # not 'owned'
    assert re.search(r'<section id="headline"', dom)
    assert dom.count("<svg") >= 3 and "<rect" in dom
    assert 'id="rules"' in dom and "PACE" in dom
    assert 'class="record"' in dom and "<ol class=\"timeline\">" in dom
    assert "<img" not in dom and "<script" not in dom
    assert "&lt;script&gt;document.title" in dom
    assert "Records not checked" in dom and "not JSON" in dom
    worst = json.loads(json.dumps(re.findall(r'href="#(r\d+)"', dom)))
    assert worst and all(f'id="{anchor}"' in dom for anchor in worst)


def _probe(page: Path, tmp_path: Path, script: str) -> str:
    """The page as Chromium lays it out 1280 pixels wide, with `script` run at the end (the
    page's own policy runs no script, so a copy without it is probed)."""
    browser = _browser()
    assert browser is not None
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                  page.read_text(encoding="utf-8"))
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", f"<script>{script}</script></body>"),
                     encoding="utf-8")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
               "--window-size=1280,900", "--dump-dom", probe.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow  # a browser
@pytest.mark.skipif(_browser() is None, reason="chromium is not installed")
def test_html_does_not_scroll_sideways_at_1280_pixels(report: Path, tmp_path: Path) -> None:
    dom = _probe(report, tmp_path, "document.title='W='+document.documentElement.scrollWidth"
                 "+',C='+document.documentElement.clientWidth;")
    found = re.search(r"<title>W=(\d+),C=(\d+)</title>", dom)
    assert found, dom[:500]
    assert int(found.group(1)) <= int(found.group(2))


def test_html_shows_titles_beside_ids_a_monthly_trend_and_timelines_in_words(
        report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert 'id="trend"' in html and "<polyline" in html
    # The chart of rates per rule names each rule, not only its id.
    chart = html[html.index('id="rate-by-rule"'):html.index("</table>", html.index(
        'id="rate-by-rule"'))]
    assert "An appropriate adult" in chart or "appropriate adult" in chart
    timeline = html[html.index('<ol class="timeline">'):]
    assert "arrived at the station" in timeline and "detention authorised" in timeline
    assert not re.search(r"<time[^>]*>\d{4}-\d\d-\d\d", timeline)  # words, not ISO strings
    assert "custody_officer" not in timeline and "detention_authorised" not in timeline


@pytest.mark.slow  # an audit of 60 records
def test_every_link_in_the_report_resolves_even_past_the_kept_sections(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from custody_rules.formatters import audit_html

    monkeypatch.setattr(audit_html, "RECORD_SECTIONS_KEPT", 3)
    source = write_jsonl(tmp_path / "many.jsonl", records(60, seed=5))
    out = tmp_path / "audit.html"
    invoke(["audit", str(source), "--format", "html", "-o", str(out), "--as-of", AS_OF,
            "--quiet", "--jobs", "2"], 1)
    html = out.read_text(encoding="utf-8")
    refs = _References()
    refs.feed(html)
    anchors = set(re.findall(r'id="([^"]+)"', html))
    assert refs.links
    missing = [link for link in refs.links if link[1:] not in anchors]
    assert not missing, missing[:5]
    worst = re.findall(r'href="#(r\d+)"', html)
    assert len(worst) > 3  # worst records beyond the first three kept are still linked
    assert "are left out to keep the page usable" in html
    assert "--format json or jsonl" in html
