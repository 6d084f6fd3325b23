"""The Starlette application: the board, the child, checking a record, training, the API.

Starlette rather than FastAPI: the record is already modelled (attrs, one cattrs converter,
the JSON Schema built from it) and validated with the CLI's one-line problems, so FastAPI's
pydantic layer would be a second model of the same record, and a second wording of its
problems. Starlette gives routing, a test client, static files and Jinja2 templates, nothing
more; the OpenAPI description is built here from the record's own JSON Schema.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import jinja2
from attrs import frozen
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from custody_rules.convert import FieldError, _datetime
from custody_rules.errors import EngineError, InputError
from custody_rules.findings import RecordResult
from custody_rules.formatters import json as json_format
from custody_rules.read import MAX_RECORD_BYTES, parse_json
from custody_rules.server.board import (
    Board,
    Judge,
    RecordFolder,
    board_to_dict,
    build_board,
)
from custody_rules.server.guard import INPUT_NAME, Guard, too_large_problem
from custody_rules.server.openapi import openapi
from custody_rules.timeline import UK
from custody_rules.training import Scenario
from custody_rules.uktime import as_of_words, format_duration
from custody_rules.validate import ValidatedRecord, validate_record
from custody_rules.views.explain import Explanation, explain
from custody_rules.views.handover import handover_for
from custody_rules.views.narrative import clock_time, describe_event, words
from custody_rules.views.scenario import Step, Walk, walk_end

BOARD_REFRESH_SECONDS = 30


@frozen
class ServerSettings:
    folder: RecordFolder
    judge: Judge
    scenarios: tuple[Scenario, ...] = ()
    as_of: datetime | None = None  # a fixed moment (training, demonstrations); else now
    token: str | None = None
    loopback_only: bool = True


class BodyTooLarge(Exception):
    pass


def create_app(settings: ServerSettings) -> Starlette:
    """The application for one set of records, one Checker and one scenario library."""
    pages = _Pages(settings)
    routes = [
        Route("/", pages.board, methods=["GET"]),
        Route("/record/{record_id:path}", pages.record, methods=["GET"]),
        Route("/explain/{rule_id}/{record_id:path}", pages.explanation, methods=["GET"]),
        Route("/check", pages.check_form, methods=["GET"]),
        Route("/check", pages.check_posted, methods=["POST"]),
        Route("/scenarios", pages.scenarios, methods=["GET"]),
        Route("/scenarios/{name}", pages.scenario, methods=["GET"]),
        Route("/api/check", pages.api_check, methods=["POST"]),
        Route("/api/board", pages.api_board, methods=["GET"]),
        Route("/api/rules", pages.api_rules, methods=["GET"]),
        Route("/openapi.json", pages.api_openapi, methods=["GET"]),
        Route("/api", pages.api_help, methods=["GET"]),
        Mount("/static", StaticFiles(packages=[("custody_rules.server", "static")]),
              name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(Guard, routes=routes, token=settings.token,
                       loopback_only=settings.loopback_only)
    return app


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("custody_rules.server", "templates"),
        autoescape=True,  # every template, whatever its name: record text is typed by people
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        clock=clock_time, duration=format_duration, describe=describe_event, words=words,
        record_url=record_url, explain_url=explain_url, day=as_of_words,
        refresh=BOARD_REFRESH_SECONDS, max_bytes=MAX_RECORD_BYTES,
    )
    return env


def record_url(record_id: str, where: str | None = None) -> str:
    """The record's page; `where` (source and line) picks one of several records sharing an id."""
    return "/record/" + quote(record_id, safe="") + _at(where)


def explain_url(rule_id: str, record_id: str, where: str | None = None) -> str:
    return f"/explain/{quote(rule_id, safe='')}/{quote(record_id, safe='')}" + _at(where)


def _at(where: str | None) -> str:
    return "" if where is None else "?" + urlencode({"at": where})


def parse_as_of(value: str | None) -> datetime | None:
    """The CLI's --as-of: `now`, or ISO 8601 with an offset; None when not given."""
    if value is None or not value.strip():
        return None
    if value.strip().lower() == "now":
        return datetime.now(timezone.utc)
    return _datetime(value.strip(), datetime)


async def read_body(request: Request) -> bytes:
    """The body, refused past the CLI's input limit however it is sent (chunked too)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_RECORD_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def problems(status: int, lines: list[str]) -> JSONResponse:
    return JSONResponse({"problems": lines}, status_code=status)


@frozen
class CheckOutcome:
    """A record sent to be checked: its result, or the problems that stop it being read."""

    result: RecordResult | None
    problems: tuple[str, ...]
    status: int  # 200, 400 (not JSON), 422 (not a record), 500 (the engine failed)
    explanations: tuple[Explanation, ...] = ()  # each rule that fired, for the check page


class _Pages:
    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self.env = _environment()
        self.library = {scenario.name: scenario for scenario in settings.scenarios}
        self._walks: dict[str, tuple[Step, ...]] = {}

    # ------------------------------------------------------------------ helpers

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status)

    def moment(self) -> datetime:
        return self.settings.as_of or datetime.now(timezone.utc)

    def shown_moment(self, moment: datetime) -> datetime:
        return moment.astimezone(UK) if UK is not None else moment

    def board_now(self) -> Board:
        folder = self.settings.folder
        return build_board(folder.entries(), self.settings.judge, self.moment())

    def judge_sent(self, data: bytes, as_of: datetime | None, explain_all: bool = False
                   ) -> CheckOutcome:
        """Read, validate and judge a record sent to the server, as `check` does a file: as of
        `as_of`, else the server's fixed moment (`serve --as-of`), else now."""
        if as_of is None:
            as_of = self.settings.as_of
        try:
            raw = parse_json(data, INPUT_NAME)
        except InputError as exc:
            return CheckOutcome(None, tuple(exc.lines()), 400)
        try:
            validated: ValidatedRecord = validate_record(raw, source=INPUT_NAME)
        except InputError as exc:
            return CheckOutcome(None, tuple(exc.lines()), 422)
        judge = self.settings.judge
        try:
            if not explain_all:
                result = judge.check(validated.record, as_of=as_of, warnings=validated.warnings)
                return CheckOutcome(result, (), 200)
            result, hits = judge.explain_hits(validated.record, as_of=as_of,
                                              warnings=validated.warnings)
        except EngineError as exc:
            return CheckOutcome(None, (str(exc),), 500)
        fired = dict.fromkeys(f.rule for f in result.findings)
        explanations = tuple(explain(rule, result, hits, judge.rulebook) for rule in fired)
        return CheckOutcome(result, (), 200, explanations)

    # ------------------------------------------------------------------ pages

    async def board(self, request: Request) -> Response:
        board = await run_in_threadpool(self.board_now)
        return self.page("board.html", board=board, shown=self.shown_moment(board.as_of),
                         fixed=self.settings.as_of is not None, nav="board")

    async def record(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        found = await run_in_threadpool(self._judged, record_id, request.query_params.get("at"))
        if found is None:
            return self.page("missing.html", status=404, what="record", nav="board",
                             name=record_id)
        where, result, others = found
        return self.page("record.html", result=result, handover=handover_for(result),
                         where=where, others=others, at=where if others else None,
                         linked=True, nav="board", explanations=())

    def _judged(self, record_id: str, at: str | None
                ) -> tuple[str, RecordResult, tuple[str, ...]] | None:
        entry, others = self.settings.folder.find(record_id, at)
        if entry is None or entry.record is None:
            return None
        moment = self.moment()
        result = self.settings.judge.check(entry.record, as_of=moment, now=moment,
                                           warnings=entry.warnings)
        return entry.where, result, others

    async def explanation(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        rule_id = request.path_params["rule_id"].strip().upper()
        if rule_id not in {rule.id for rule in self.settings.judge.rulebook}:
            return self.page("missing.html", status=404, what="rule", nav="board", name=rule_id)
        at = request.query_params.get("at")
        explanation = await run_in_threadpool(self._explain, record_id, rule_id, at)
        if explanation is None:
            return self.page("missing.html", status=404, what="record", nav="board",
                             name=record_id)
        return self.page("explain.html", explanation=explanation, at=at, nav="board")

    def _explain(self, record_id: str, rule_id: str, at: str | None) -> Explanation | None:
        entry, _ = self.settings.folder.find(record_id, at)
        if entry is None or entry.record is None:
            return None
        moment = self.moment()
        judge = self.settings.judge
        result, hits = judge.explain_hits(entry.record, as_of=moment, now=moment,
                                          warnings=entry.warnings)
        return explain(rule_id, result, hits, judge.rulebook)

    async def check_form(self, request: Request) -> Response:
        return self.page("check.html", nav="check", text="", as_of_text="", outcome=None)

    async def check_posted(self, request: Request) -> Response:
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return self.page("check.html", status=413, nav="check", text="", as_of_text="",
                             outcome=CheckOutcome(None, (too_large_problem(),), 413))
        content_type = request.headers.get("content-type", "").partition(";")[0].strip()
        if content_type == "application/x-www-form-urlencoded":
            # Decoded to bytes, so that a record that is not UTF-8 gets the CLI's problem.
            fields = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True,
                                    encoding="latin-1"))
            data = fields.get("record", "").encode("latin-1")
            as_of_text = fields.get("as_of", "").encode("latin-1").decode("utf-8", "replace")
        else:
            data, as_of_text = body, request.query_params.get("as_of", "")
        text = data.decode("utf-8", "replace")
        try:
            as_of = parse_as_of(as_of_text)
        except FieldError as exc:
            outcome = CheckOutcome(None, (f"as_of: {exc}",), 400)
        else:
            outcome = await run_in_threadpool(self.judge_sent, data, as_of, True)
        result = outcome.result
        return self.page("check.html", status=outcome.status, nav="check", text=text,
                         as_of_text=as_of_text, outcome=outcome,
                         handover=handover_for(result) if result else None)

    async def scenarios(self, request: Request) -> Response:
        return self.page("scenarios.html", scenarios=list(self.library.values()),
                         nav="scenarios")

    async def scenario(self, request: Request) -> Response:
        scenario = self.library.get(request.path_params["name"])
        if scenario is None:
            return self.page("missing.html", status=404, what="scenario", nav="scenarios",
                             name=request.path_params["name"])
        walk = self._walks.get(scenario.name)
        if walk is None:
            walk = await run_in_threadpool(self.settings.judge.walk, scenario.record)
            self._walks[scenario.name] = walk
        end = walk_end(Walk(scenario.record.record_id, walk), scenario)
        return self.page("scenario.html", scenario=scenario, steps=walk, end=end,
                         nav="scenarios")

    # ------------------------------------------------------------------ the API

    async def api_check(self, request: Request) -> Response:
        try:
            as_of = parse_as_of(request.query_params.get("as_of"))
        except FieldError as exc:
            return problems(400, [f"as_of: {exc} (give e.g. 2022-09-06T20:00:00+01:00, or now)"])
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return problems(413, [too_large_problem()])
        outcome = await run_in_threadpool(self.judge_sent, body, as_of)
        if outcome.result is None:
            return problems(outcome.status, list(outcome.problems))
        # The very bytes of `check --format json`: with the handover while the child is held.
        result = outcome.result
        handover = handover_for(result) if result.timeline.still_held else None
        return Response(json_format.render(result, handover), media_type="application/json")

    async def api_board(self, request: Request) -> Response:
        board = await run_in_threadpool(self.board_now)
        shown = self.shown_moment(board.as_of).isoformat()
        return JSONResponse(board_to_dict(board, shown))

    async def api_rules(self, request: Request) -> Response:
        return JSONResponse(json_format.rulebook_to_dict(self.settings.judge.rulebook))

    async def api_openapi(self, request: Request) -> Response:
        return JSONResponse(openapi())

    async def api_help(self, request: Request) -> Response:
        return RedirectResponse("/openapi.json", status_code=307)

