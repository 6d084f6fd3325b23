"""Safe by default: who may ask, what a response may do in a browser, what is logged.

One ASGI middleware in front of every route, static files included:
- the Host header must name this server (on a loopback address: localhost, 127.0.0.1, [::1]),
  so that a web page elsewhere cannot reach the board through DNS rebinding;
- with a token, every request must carry it: `Authorization: Bearer TOKEN`, or the cookie a
  browser gets by opening any page once with `?token=TOKEN` (the address is then cleaned);
- a body longer than the CLI's input limit is refused (413) before it is read, by its
  Content-Length; the routes count a streamed body against the same limit;
- every response carries a Content-Security-Policy that allows scripts only from this server
  (no inline script), forbids framing, and keeps custody pages out of caches;
- the access log names the route, never the address asked for (a record id is record
  content), the status and the time taken; bodies are never logged.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Sequence
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from custody_rules.read import MAX_RECORD_BYTES, TOO_LARGE

LOG = logging.getLogger("custody_rules.server")
TOKEN_COOKIE = "custody_rules_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# What a pasted or posted record is called in its problems (a file is called by its path).
INPUT_NAME = "input"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)


def too_large_problem() -> str:
    """The CLI's words for a file past its input limit (custody_rules.read)."""
    return f"{INPUT_NAME} > {TOO_LARGE}"


def host_name(header: str) -> str:
    """`localhost:8000` -> `localhost`; `[::1]:8000` -> `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.rpartition(":")[0] if header.count(":") == 1 else header


class Guard:
    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], token: str | None,
                 loopback_only: bool, max_body: int = MAX_RECORD_BYTES):
        self.app = app
        self.routes = routes
        self.token = token
        self.loopback_only = loopback_only
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 0
        route = self._route(scope)  # before the router rewrites the scope (mounts do)

        async def send_secured(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in {h for h, _ in SECURITY_HEADERS}]
                message = {**message, "headers": headers + list(SECURITY_HEADERS)}
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await _answer(send_secured, *refusal)
            else:
                await self.app(scope, receive, send_secured)
        except Exception as exc:
            # Never a traceback, to the client or the log, and never the exception's text:
            # it may quote the record. Handled here, so that nothing re-raises it to uvicorn.
            LOG.error("internal error on %s %s: %s", scope.get("method", "-"), route,
                      type(exc).__name__)
            if status == 0:
                await _answer(send_secured, 500, [f"internal error ({type(exc).__name__})"],
                              [])
        finally:
            LOG.info("%s %s %d %.0fms", scope.get("method", "-"), route, status,
                     (time.monotonic() - started) * 1000)

    def _refusal(self, scope: Scope) -> tuple[int, list[str], list[tuple[bytes, bytes]]] | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if self.loopback_only and host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
            return 421, ["this server answers only to localhost, 127.0.0.1 or [::1]"], []
        if self.token is not None:
            query = scope.get("query_string", b"").decode("latin-1")
            pairs = parse_qsl(query, keep_blank_values=True)
            offered = [value for key, value in pairs if key == "token"]
            if offered and self._matches(offered[0]):
                # Set the cookie and clean the token out of the address (and the history).
                rest = urlencode([(k, v) for k, v in pairs if k != "token"])
                path = quote(scope.get("root_path", "") + scope["path"], safe="/")
                location = path + (f"?{rest}" if rest else "")
                cookie = (f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict")
                return 303, [], [(b"location", location.encode("ascii")),
                                 (b"set-cookie", cookie.encode("latin-1"))]
            if not self._authorised(headers):
                return 401, ["a token is required: send `Authorization: Bearer TOKEN`, or "
                             "open the page once with ?token=TOKEN"], \
                    [(b"www-authenticate", b'Bearer realm="custody-rules"')]
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return 413, [too_large_problem()], []
        return None

    def _matches(self, offered: str) -> bool:
        assert self.token is not None
        return hmac.compare_digest(offered.encode("utf-8", "replace"), self.token.encode())

    def _authorised(self, headers: dict[str, str]) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self._matches(value.strip()):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no token
            return False
        morsel = cookie.get(TOKEN_COOKIE)
        return morsel is not None and self._matches(morsel.value)

    def _route(self, scope: Scope) -> str:
        """The route's pattern (`/record/{record_id}`), never the address with its record id."""
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return str(getattr(route, "path", "-"))
        return "(no route)"


async def _answer(send: Send, status: int, problems: list[str],
                  headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"problems": problems}).encode() if problems else b""
    start_headers = list(headers)
    if body:
        start_headers.append((b"content-type", b"application/json"))
    start_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body})
