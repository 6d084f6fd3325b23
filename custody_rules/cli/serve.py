"""`custody-rules serve PATH...`: the custody suite's page and the JSON API (custody_rules.server).

Binds 127.0.0.1 by default. Any other address is reachable by other machines, so it needs a
token (--token, or the environment variable), which every request must then carry.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from custody_rules.cli.exits import ExitCode
from custody_rules.cli.options import AsOf, InputProblem, policy_option

TOKEN_ENV = "CUSTODY_RULES_TOKEN"
MIN_TOKEN_CHARS = 16
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9._~+/=-]+$")

# uvicorn's own access log would write every address asked for (a record id is record
# content); it is off, and the server's guard logs the route instead. No body is ever logged.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "custody_rules.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_problem(token: str) -> str | None:
    if len(token) < MIN_TOKEN_CHARS:
        return f"the token has {len(token)} characters; give at least {MIN_TOKEN_CHARS}"
    if not _TOKEN_SHAPE.match(token):
        return "the token may hold only letters, digits and . _ ~ + / = -"
    return None


@click.command("serve")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path), metavar="PATH...")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address needs --token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--as-of", "as_of_text", default=None, metavar="TIME|now",
              help="Judge every record as it stood at this fixed time (ISO 8601 with offset), "
                   "for training and demonstrations; default (or `now`): the clock, at each "
                   "request.")
@click.option("--profile", "profile_path", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None, help="Mapping profile (YAML) for CSV exports, "
              "as for audit.")
@policy_option
@click.option("--token", envvar=TOKEN_ENV, default=None, metavar="TOKEN",
              help=f"Demand this token on every request (default: ${TOKEN_ENV}). Required "
                   "when --host is not a loopback address. Prefer the environment variable: "
                   "other users can see a command line.")
def command(paths: tuple[Path, ...], host: str, port: int, as_of_text: str | None,
            profile_path: Path | None, policy_path: Path | None, token: str | None) -> None:
    """Serve a live board of the children held among the records in PATH (files or folders,
    read as `audit` reads them, again whenever they change), each child's handover, a page to
    check a pasted record, the training scenarios, and a JSON API (`POST /api/check`,
    `GET /api/board`, `GET /api/rules`, described at /openapi.json). Stop with Ctrl-C.

    \b
    Exit codes:
      0  stopped (Ctrl-C)
      2  the records, policy, profile or scenarios cannot be read, the
         address cannot be served, or the command was misused
    """
    from custody_rules.audit.profile import ProfileError, load_profile
    from custody_rules.audit.sources import SourceError
    from custody_rules.checker import Checker
    from custody_rules.errors import CustodyRulesError
    from custody_rules.policy import load_policy
    from custody_rules.server.app import ServerSettings, create_app
    from custody_rules.server.board import Judge, RecordFolder
    from custody_rules.training import ScenarioError, load_library

    # `now` means the clock at each request, not the moment the server started.
    as_of: datetime | None = None
    if as_of_text is not None and as_of_text.strip().lower() != "now":
        context = click.get_current_context()
        option = next(p for p in context.command.params if p.name == "as_of_text")
        as_of = AsOf().convert(as_of_text, option, context)
    if token is not None and (problem := token_problem(token)):
        raise InputProblem([f"--token: {problem}"])
    loopback = is_loopback(host)
    if not loopback and token is None:
        raise InputProblem([f"--host {host} is reachable from other machines: give --token "
                            f"(or set {TOKEN_ENV}), which every request must then carry"])
    try:
        profile = load_profile(profile_path) if profile_path else None
        folder = RecordFolder(paths, profile)
        folder.check_paths()
        checker = Checker(policy=load_policy(policy_path))
        scenarios = tuple(load_library())
    except (SourceError, ProfileError, ScenarioError, CustodyRulesError) as exc:
        raise InputProblem(str(exc).splitlines()) from None
    settings = ServerSettings(folder=folder, judge=Judge(checker), scenarios=scenarios,
                              as_of=as_of, token=token, loopback_only=loopback)
    app = create_app(settings)

    import uvicorn

    shown_host = f"[{host}]" if ":" in host else host
    # The address is taken before anything is said, so that "serving" is never said of an
    # address that cannot be served (and port 0 shows the port it became).
    try:
        listener = _listen(host.strip("[]"), port)
    except OSError as exc:
        raise InputProblem([f"cannot serve at http://{shown_host}:{port}/: "
                            f"{exc.strerror or exc}"]) from None
    where = f"http://{shown_host}:{listener.getsockname()[1]}/"
    click.echo(f"custody-rules: serving {', '.join(map(str, paths))} at {where}"
               + ("  (open it once with ?token=TOKEN)" if token else "")
               + "; Ctrl-C to stop", err=True)
    config = uvicorn.Config(app, host=host.strip("[]"), port=port, access_log=False,
                            log_config=LOG_CONFIG, server_header=False, proxy_headers=False,
                            lifespan="off", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down cleanly
        pass
    except SystemExit:  # uvicorn's own exit when it cannot start (it said why)
        if server.started:
            raise
    if not server.started:
        click.echo("custody-rules: the server could not start", err=True)
        sys.exit(ExitCode.INPUT)


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host` and `port`; OSError if it cannot be had."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener
