"""The server in a real headless Chromium (Debian's `chromium` through `chromium-driver`, driven
by Selenium): what a sergeant sees and does. uvicorn serves the app in a thread on a free
loopback port; the browser must load the page's own script under its CSP and never run a
record's text."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from custody_rules.checker import Checker
from custody_rules.training import load_library
from tests.server_data import EXAMPLES, HOSTILE_NOTE, app_for, live, suite_folder, with_note

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="headless Chromium and its driver are not installed (apt-get install -y chromium "
           "chromium-driver); .ci/run installs both"),
    pytest.mark.slow]  # a browser and a server; tests/test_server_api.py is in the fast suite
# Where the board's screenshot is left for a person to look at.
SCREENSHOT_ENV = "CUSTODY_RULES_SCREENSHOT"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return suite_folder(tmp_path_factory.mktemp("browser") / "records")


@pytest.fixture(scope="module")
def base_url(checker: Checker, folder: Path) -> Iterator[str]:
    import uvicorn

    app = app_for(checker, [folder], scenarios=tuple(load_library()))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1440,900", "--lang=en-GB"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _by() -> Any:
    from selenium.webdriver.common.by import By

    return By


def _submit(browser: Any) -> Any:
    """Press Check and wait for the answer's page (a loaded machine is slow to load it)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    By = _by()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    return WebDriverWait(browser, 60).until(
        expected_conditions.presence_of_element_located((By.ID, "outcome")))


def _follow(browser: Any, link_text: str, url_part: str) -> None:
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(_by().LINK_TEXT, link_text).click()
    WebDriverWait(browser, 60).until(expected_conditions.url_contains(url_part))


def _console_errors(browser: Any) -> list[str]:
    """Script errors and CSP refusals since the last call (a 4xx page is no such error)."""
    return [entry["message"] for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]]


def test_the_board_shows_the_held_children_with_their_next_review(
        browser: Any, base_url: str, tmp_path: Path) -> None:
    browser.get(base_url + "/")
    By = _by()
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.child")
    ids = [row.find_element(By.CSS_SELECTOR, "a.id").text for row in rows]
    assert ids == ["MP-2024-770001", "MP-2024-771030", "MP-2024-772200"]
    live_row = rows[1]
    assert "review 1 due 20:10" in live_row.text
    assert "in 1h10m" in live_row.text
    assert "aged 16, male, looked after (Lambeth)" in live_row.text
    overdue = rows[0]
    assert "overdue" in overdue.get_attribute("class")
    # Overdue in red: the row's edge and its most urgent item.
    urgent = overdue.find_element(By.CSS_SELECTOR, ".urgent")
    assert urgent.value_of_css_property("color") in ("rgba(179, 0, 27, 1)", "rgb(179, 0, 27)")
    assert _console_errors(browser) == []
    shot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "board.png")
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_an_unreadable_file_shows_its_problem_in_its_row(browser: Any, base_url: str) -> None:
    browser.get(base_url + "/")
    By = _by()
    row = browser.find_element(By.CSS_SELECTOR, "tr.unreadable")
    assert "broken.json" in row.text
    assert "Cannot be read" in row.text
    assert "> not JSON:" in row.text
    # It is the first row: a child may be behind it.
    first = browser.find_element(By.CSS_SELECTOR, "table.board tbody tr")
    assert first == row


def test_clicking_a_child_shows_the_handover(browser: Any, base_url: str) -> None:
    browser.get(base_url + "/")
    By = _by()
    _follow(browser, "MP-2024-771030", "/record/")
    assert browser.current_url == base_url + "/record/MP-2024-771030"
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "PACE clock" in text
    assert "Next review: review 1 due 20:10, in 1h10m" in text
    assert "Falling due (4)" in text
    assert "Timeline (13 events)" in text
    _follow(browser, "PC-02", "/explain/")
    assert "/explain/PC-02/MP-2024-771030" in browser.current_url
    assert "PC-02: pending." in browser.find_element(By.TAG_NAME, "main").text


def test_pasting_a_record_shows_its_findings(browser: Any, base_url: str) -> None:
    By = _by()
    browser.get(base_url + "/check")
    record = (EXAMPLES / "cambridgeshire.json").read_text(encoding="utf-8")
    box = browser.find_element(By.ID, "record")
    box.send_keys(json.dumps(json.loads(record)))
    _submit(browser)
    findings = browser.find_elements(By.CSS_SELECTOR, "#outcome li.finding")
    expected = json.loads((EXAMPLES / "cambridgeshire.expected.json").read_text())["findings"]
    assert len(findings) == len(expected)
    shown = browser.find_element(By.ID, "outcome").text
    for finding in expected:
        assert finding["message"] in shown
    # The record stays in the box, to be corrected and checked again.
    assert json.loads(browser.find_element(By.ID, "record").get_attribute("value"))[
        "record_id"] == json.loads(record)["record_id"]


def test_a_chosen_file_is_read_into_the_box_and_checked(browser: Any, base_url: str) -> None:
    By = _by()
    browser.get(base_url + "/check")
    browser.find_element(By.ID, "record-file").send_keys(str(EXAMPLES / "compliant.json"))
    box = browser.find_element(By.ID, "record")
    deadline = time.monotonic() + 10
    while not box.get_attribute("value") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(box.get_attribute("value")) == json.loads(
        (EXAMPLES / "compliant.json").read_text(encoding="utf-8"))
    _submit(browser)
    assert "No findings: every rule that applied was met." in browser.find_element(
        By.ID, "outcome").text


def test_a_bad_pasted_record_shows_the_clis_problems(browser: Any, base_url: str) -> None:
    By = _by()
    browser.get(base_url + "/check")
    browser.find_element(By.ID, "record").send_keys('{"record_id": "X-1", "events": []}')
    _submit(browser)
    problems = browser.find_element(By.CSS_SELECTOR, "#outcome ul.problems").text
    assert "record X-1 > events: empty: a record needs at least its arrival" in problems


def test_a_note_holding_a_script_tag_is_shown_as_text_and_runs_nothing(
        browser: Any, base_url: str) -> None:
    By = _by()
    # On the child's page (the record is in the served folder) ...
    browser.get(base_url + "/record/MP-2024-772200")
    notes = [n.text for n in browser.find_elements(By.CSS_SELECTOR, ".note")]
    assert HOSTILE_NOTE in notes
    assert browser.title != "pwned"
    assert browser.execute_script("return window.pwned === undefined") is True
    assert browser.find_elements(By.CSS_SELECTOR, ".note b") == []
    # ... and when pasted to be checked.
    browser.get(base_url + "/check")
    browser.find_element(By.ID, "record").send_keys(json.dumps(with_note(live())))
    _submit(browser)
    notes = [n.text for n in browser.find_elements(By.CSS_SELECTOR, "#outcome .note")]
    assert HOSTILE_NOTE in notes
    assert browser.title != "pwned"
    assert browser.execute_script("return window.pwned === undefined") is True
    assert _console_errors(browser) == []


def test_a_scenario_plays_step_by_step(browser: Any, base_url: str) -> None:
    By = _by()
    browser.get(base_url + "/scenarios")
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.PARTIAL_LINK_TEXT, "Gateshead").click()
    WebDriverWait(browser, 60).until(expected_conditions.url_contains("/scenarios/"))
    steps = browser.find_elements(By.CSS_SELECTOR, "ol.walk > li")
    assert len(steps) > 3

    def visible() -> int:
        return sum(1 for step in steps if step.is_displayed())

    assert visible() == 1  # the page's own script runs under the CSP
    browser.find_element(By.CSS_SELECTOR, "[data-walk=next]").click()
    assert visible() == 2
    browser.find_element(By.CSS_SELECTOR, "[data-walk=all]").click()
    assert visible() == len(steps)
    browser.find_element(By.CSS_SELECTOR, "[data-walk=first]").click()
    assert visible() == 1
    assert _console_errors(browser) == []
