"""Where a page's time goes: the portal's pages in this process, with a profile.

``python -m bench.inprocess`` builds the same database as ``bench.http`` (its own PostgreSQL
database with ``--database-url``, a SQLite file otherwise), makes the portal in production
mode and signs in through the real pages with Flask's test client: no gunicorn, no wrk, no
network between client and app. Per page it prints the wall time of a request (what the
portal's ``duration_ms`` measures, with the database's answers included), the CPU time of this
process alone (the rest is waiting for the database, or for a core), and the statements sent.

``--profile`` runs the same requests under cProfile and prints, per page, the share of the
time spent in each stage of a request (cumulative, so stages overlap: the view includes its
queries) and the functions with the most time of their own. ``--sql`` prints the statements of
one request per page.

On a machine shared with other work, the CPU column is the steadier figure: it does not grow
while this process waits for a core.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from bench.http import PAGES, PG_DATABASE, USER_AGENT, Fixture, database, prepare, secrets_for_run
from portal import create_app
from portal.accounts import mfa
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HOST = "portal.example"

#: Stages of a request, by the function that does each (file suffix, function name). The
#: shares are cumulative: a stage includes what it calls.
STAGES = (
    ("whole request", "flask/app.py", "wsgi_app"),
    ("session store: read", "portal/accounts/session_store.py", "open_session"),
    ("before_request hooks", "flask/app.py", "preprocess_request"),
    ("  Flask-Login: load the user", "portal/accounts/login.py", "load_user"),
    ("  session checks (enforce)", "portal/accounts/sessions.py", "enforce"),
    ("  CSRF check", "flask_wtf/csrf.py", "protect"),
    ("view", "flask/app.py", "dispatch_request"),
    ("  templates (render)", "flask/templating.py", "_render"),
    ("  commit (audit insert)", "sqlalchemy/orm/session.py", "commit"),
    ("after_request hooks", "flask/app.py", "process_response"),
    ("  session store: write", "portal/accounts/session_store.py", "save_session"),
    ("SQL: execute (with the round trip)", "sqlalchemy/engine/base.py", "_execute_context"),
    ("SQL: compile", "sqlalchemy/sql/elements.py", "_compiler"),
    ("ORM: load rows", "sqlalchemy/orm/loading.py", "instances"),
    ("decrypt fields", "portal/crypto/fields.py", "decrypt_field"),
    ("url_for", "flask/helpers.py", "url_for"),
    ("gettext", "flask_babel/__init__.py", "gettext"),
    ("logging", "logging/__init__.py", "handle"),
    ("pool: check out (ping after a rest)", "sqlalchemy/pool/base.py", "_checkout"),
)


HEADER = f"  {'page':<9} {'wall p50':>9} {'wall p90':>9} {'cpu p50':>8} {'statements':>11}"


@dataclass
class Measure:
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)


class Statements:
    """Counts (and, when asked, keeps) the statements the app's engine sends."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        self.kept: list[str] | None = None
        event.listen(app.extensions["kp_db"].engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.count += 1
        if self.kept is not None:
            self.kept.append(" ".join(statement.split()))


def make_app(url: str, keys: dict[str, str], instance: Path) -> Flask:
    """The portal as gunicorn would run it (production), its JSON log lines thrown away."""
    app = create_app(
        {
            "KP_ENV": "production",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "MAIL_BACKEND": "memory",
            "PUBLIC_BASE_URL": f"https://{HOST}",
            "LOG_LEVEL": "INFO",
            "LOGIN_RATELIMIT": "1000 per minute",
            **keys,
        }
    )
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the app
    for handler in app.logger.handlers:
        handler.setStream(sink)  # type: ignore[attr-defined]  # a StreamHandler (portal.logs)
    return app


class Browser(FlaskClient):
    """A browser behind the TLS proxy: https, with the user agent its session is bound to."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", f"https://{HOST}")
        headers = {"User-Agent": USER_AGENT, "Referer": f"https://{HOST}/"}
        kwargs["headers"] = headers | dict(kwargs.get("headers") or {})
        return super().open(*args, **kwargs)


def client_for(app: Flask) -> FlaskClient:
    app.test_client_class = Browser
    return app.test_client()


def _form(client: FlaskClient, path: str, fields: dict[str, str]) -> Any:
    page = client.get(path)
    found = CSRF.search(page.get_data(as_text=True))
    if page.status_code != 200 or found is None:
        raise SystemExit(f"GET {path}: {page.status_code}, no form")
    return client.post(path, data={"csrf_token": found.group(1), **fields})


def sign_in(app: Flask, email: str, secret: str) -> FlaskClient:
    """Password, then the current code: the same steps as a person."""
    client = client_for(app)
    step = _form(client, "/inloggen", {"email": email, "password": DEMO_PASSWORD})
    if step.status_code != 302:
        raise SystemExit(f"sign-in of {email}: password step answered {step.status_code}")
    done = _form(client, "/inloggen/code", {"code": mfa.current_code(secret, utcnow())})
    if done.status_code != 302 or "/inloggen" in done.headers.get("Location", ""):
        raise SystemExit(f"sign-in of {email}: code step answered {done.status_code}")
    return client


def page_paths(fixture: Fixture) -> dict[str, str]:
    return {
        "work": "/mijn-werk",
        "inbox": "/casussen",
        "case": f"/casussen/{fixture.case_id}",
        "referral": f"/overdrachten/{fixture.referral_id}",
        "consent": f"/casussen/{fixture.case_id}/toestemming",
        "tenant": "/toestemming/wie-bent-u",
    }


def measure(get: Callable[[], Any], counter: Statements, requests: int) -> Measure:
    result = Measure()
    for _ in range(requests):
        before = counter.count
        wall, cpu = time.perf_counter(), time.thread_time()
        response = get()
        result.cpu_ms.append((time.thread_time() - cpu) * 1000)
        result.wall_ms.append((time.perf_counter() - wall) * 1000)
        result.statements.append(counter.count - before)
        if response.status_code != 200:
            raise SystemExit(f"answered {response.status_code}")
    return result


def stage_shares(stats: pstats.Stats) -> list[tuple[str, float, int]]:
    """(stage, share of the whole request's time, calls) for every stage that was seen."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table there
    cumulative: dict[str, tuple[float, int]] = {}
    for (filename, _line, function), (_cc, calls, _tt, ct, _callers) in table.items():
        for name, suffix, wanted in STAGES:
            if function == wanted and filename.endswith(suffix):
                total, n = cumulative.get(name, (0.0, 0))
                cumulative[name] = (total + ct, n + calls)
    whole = cumulative.get(STAGES[0][0], (0.0, 0))[0] or 1.0
    return [
        (name, cumulative[name][0] / whole, cumulative[name][1])
        for name, _suffix, _wanted in STAGES
        if name in cumulative
    ]


def template_shares(stats: pstats.Stats, top: int) -> list[tuple[str, float]]:
    """The templates that take longest to render, with what they include (cumulative, so a
    page's own file holds its parts): (template, share of the whole request). No call counts:
    a template renders as a generator, and the profiler counts each resumption as a call."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table there
    whole = (
        sum(
            ct
            for (filename, _l, function), (_cc, _n, _tt, ct, _c) in table.items()
            if (function, filename.endswith(STAGES[0][1])) == (STAGES[0][2], True)
        )
        or 1.0
    )
    per_template: dict[str, float] = {}
    for (filename, _line, function), (_cc, _calls, _tt, ct, _callers) in table.items():
        if filename.endswith(".html") and function == "root":
            per_template[filename] = per_template.get(filename, 0.0) + ct
    ranked = sorted(per_template.items(), key=lambda item: item[1], reverse=True)[:top]
    return [(_where(name), ct / whole) for name, ct in ranked]


def _where(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1].lstrip("/")
    return os.path.relpath(filename) if filename.startswith("/") else filename


def own_time(stats: pstats.Stats, top: int) -> list[tuple[str, float, int]]:
    """The functions with the most time of their own: (where, share of all, calls)."""
    table = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table there
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in table.values()) or 1.0
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return [
        (f"{_where(filename)}:{line}({function})", tt / total, calls)
        for (filename, line, function), (_cc, calls, tt, _ct, _callers) in ranked
    ]


def profile(get: Callable[[], Any], requests: int, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        get()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    print("    stages (cumulative share of the whole request; calls per request):")
    for name, share, calls in stage_shares(stats):
        print(f"      {name:<38} {share * 100:5.1f} %  {calls / requests:6.1f}")
    print("    templates by render time, with what they include (share of the request):")
    for where, share in template_shares(stats, 12):
        print(f"      {share * 100:5.1f} %  {where}")
    print(f"    top {top} functions by time of their own (share of all profiled time, calls):")
    for where, share, calls in own_time(stats, top):
        print(f"      {share * 100:5.1f} %  {calls / requests:7.1f}  {where}")


def run(
    database_url: str | None,
    database_name: str,
    cases: int,
    requests: int,
    pages: tuple[str, ...],
    show_profile: bool,
    show_sql: bool,
    top: int,
) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="kp-bench-inprocess-") as tmp,
        database(database_url, database_name) as url,
    ):
        keys = secrets_for_run()
        fixture = prepare(url, keys, Path(tmp) / "instance", cases, users=1)
        app = make_app(url, keys, Path(tmp) / "instance")
        counter = Statements(app)
        try:
            staff = sign_in(app, *fixture.users[0])
            tenant = client_for(app)
            if tenant.get(fixture.tenant_path).status_code != 302:
                raise SystemExit("the tenant's link did not open")
            paths = page_paths(fixture)
            print(
                f"In-process ({app.extensions['kp_db'].engine.dialect.name}, "
                f"{fixture.cases:,} cases), {requests} requests per page after 20 to warm up; "
                f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
            )
            print(HEADER)
            for page in pages:
                client = tenant if page == "tenant" else staff

                def get(client: FlaskClient = client, path: str = paths[page]) -> Any:
                    return client.get(path)

                measure(get, counter, 20)
                result = measure(get, counter, requests)
                wall = sorted(result.wall_ms)
                print(
                    f"  {page:<9} {statistics.median(wall):9.2f} "
                    f"{wall[int(len(wall) * 0.9)]:9.2f} {statistics.median(result.cpu_ms):8.2f} "
                    f"{statistics.mean(result.statements):11.1f}",
                    flush=True,
                )
                if show_sql:
                    counter.kept = []
                    get()
                    for statement in counter.kept:
                        print(f"      {statement[:160]}")
                    counter.kept = None
                if show_profile:
                    profile(get, requests, top)
            print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        finally:
            app.extensions["kp_db"].engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("--database-url", help="a PostgreSQL server (else a SQLite file)")
    parser.add_argument(
        "--database-name",
        default=os.environ.get("KP_BENCH_DATABASE") or f"{PG_DATABASE}_inprocess",
        help="the database it makes and drops there",
    )
    parser.add_argument("--cases", type=int, default=1_000, help="bulk cases besides the demo")
    parser.add_argument("-n", "--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--page", action="append", choices=PAGES, help="only this page")
    parser.add_argument("--profile", action="store_true", help="stages and top functions")
    parser.add_argument("--sql", action="store_true", help="the statements of one request")
    parser.add_argument("--top", type=int, default=25, help="functions in the profile")
    args = parser.parse_args()
    run(
        args.database_url,
        args.database_name,
        args.cases,
        args.requests,
        tuple(args.page or PAGES),
        args.profile,
        args.sql,
        args.top,
    )


if __name__ == "__main__":
    sys.exit(main())
