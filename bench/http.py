"""Whole HTTP requests under load: the portal in gunicorn against a bare Flask floor, with wrk.

``python -m bench.http`` makes a fresh database (a SQLite file in a temporary folder, or with
``--database-url`` its own database on that PostgreSQL server, ``kp_bench_http`` unless
``--database-name`` or ``KP_BENCH_DATABASE`` names another, dropped at the end), runs the
migrations, bulk-inserts ``--cases`` cases (``bench.cases.populate``) and loads the demo
(``portal.demo.load_demo``). It then starts the portal (``wsgi:app``) and the floor
(``bench.floor``) with ``gunicorn.conf.py`` in production mode, with throw-away keys, on free
ports, and signs in ``--users`` caseworkers of the demo corporation through the real pages
(password, then the TOTP code); the tenant opens the demo consent link. The requests carry
``X-Forwarded-Proto: https``, as they would from the reverse proxy.

Each page is measured by wrk right after a run of the floor, so that both see the same load
on the machine: the inbox, a case, a referral, a case's consent page and the tenant's
identity page. Per page it prints requests per second, wrk's p50 and p99, the responses that
were not 2xx (from gunicorn's access log: wrk counts redirects as success), socket errors,
the time inside the app (``duration_ms`` of the portal's own request log, the figure the
targets are stated in) and the ratio to the floor (app req/s / floor req/s). ``--soak``
instead runs 50 connections for 60 s on a mix of all pages.

Needs wrk (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gunicorn
import requests
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.cases import populate
from portal import ROOT, create_app
from portal.accounts import mfa
from portal.accounts.models import Organisation, User, UserRole
from portal.accounts.passwords import hash_password
from portal.accounts.service import set_totp_secret
from portal.crypto.keyring import encode_key
from portal.db import utcnow
from portal.demo import DEMO_PASSWORD, ORGANISATIONS, SCENARIO_A_BSN, load_demo
from portal.extensions import db
from portal.migrate import alembic_config

PG_DATABASE = "kp_bench_http"
#: A database name that needs no quoting: two runs on one server each name their own.
DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
COOKIE = "kp_session"
PAGES = ("work", "inbox", "case", "referral", "consent", "tenant")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACCESS_LINE = re.compile(r"^(\S+) (\S+) (\d{3}) (\d+\.\d+)s$")
#: Every request, the sign-in's and wrk's, comes from the same browser: a session is bound to
#: its user agent (Flask-Login's session protection), as it would be for a person.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) bench.http"
WRK_HINT = "wrk is not installed: on Debian or Ubuntu, `sudo apt-get install wrk`."


# --- the database ------------------------------------------------------------------------------


@contextmanager
def database(database_url: str | None, name: str = PG_DATABASE) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or ``name`` on the given server (dropped first:
    the name is this run's own)."""
    if not database_url:
        with tempfile.TemporaryDirectory(prefix="kp-bench-http-db-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return
    server = make_url(database_url)
    if server.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must name a PostgreSQL server")
    admin = create_engine(
        server.set(database=server.database or "postgres"), isolation_level="AUTOCOMMIT"
    )
    if not DATABASE_NAME.fullmatch(name):
        raise SystemExit(f"not a plain database name: {name!r}")
    drop = text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    try:
        with admin.connect() as connection:
            connection.execute(drop)
            connection.execute(text(f"CREATE DATABASE {name}"))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(drop)
        admin.dispose()


def secrets_for_run() -> dict[str, str]:
    """Throw-away keys: the portal refuses to start in production without them."""
    return {
        "SECRET_KEY": encode_key(os.urandom(32)),
        "KP_MASTER_KEYS": f"v1:{encode_key(os.urandom(32))}",
        "KP_INDEX_KEY": encode_key(os.urandom(32)),
        "KP_AUDIT_SIGNING_KEY": encode_key(os.urandom(32)),
    }


@dataclass
class Fixture:
    """What the load needs from the database: the pages' ids, the users and a tenant link."""

    case_id: int
    referral_id: int
    tenant_path: str
    users: list[tuple[str, str]]  # (e-mail, TOTP secret)
    cases: int = 0


def prepare(url: str, keys: dict[str, str], instance: Path, cases: int, users: int) -> Fixture:
    """Migrate, bulk-insert ``cases`` cases, load the demo, and add ``users`` caseworkers."""
    command.upgrade(alembic_config(url), "head")
    app = create_app(
        {
            "KP_ENV": "development",  # the demo is refused in production
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "MAIL_BACKEND": "memory",
            "SMS_BACKEND": "memory",
            "LOG_LEVEL": "WARNING",
            **keys,
        }
    )
    try:
        with app.app_context():
            session = db.session
            # The demo's organisations first, so that the bulk cases join them by name.
            existing = set(session.scalars(select(Organisation.slug)))
            for slug, name in ORGANISATIONS:
                if slug not in existing:
                    session.add(Organisation(slug=slug, name=name))
            session.commit()
        if cases:
            # Bulk cases take ids from 1, so they go in before the demo's.
            print(f"Populating {cases:,} cases (bulk, pre-encrypted) ...", flush=True)
            populate(app, cases)
        with app.app_context():
            session = db.session
            load_demo(session)
            session.commit()
            demo_consent = session.info.pop("kp_demo_consent", None)
            referral = session.info.pop("kp_demo_referral", None)
            case_id = _scenario_a_case(session)
            link = demo_consent.link if demo_consent is not None else None
            if demo_consent is None or demo_consent.case_id != case_id or not link:
                # With bulk cases first, the demo asked a bulk tenant (who has no phone).
                link = _ask_consent(session, case_id)
            session.commit()
            if referral is None or not link:
                raise SystemExit("the demo did not make a referral and a consent link")
            corporation = session.scalars(
                select(Organisation).where(Organisation.slug == "corporatie")
            ).one()
            password = hash_password(DEMO_PASSWORD)
            accounts = []
            for n in range(1, users + 1):
                email = f"bench{n}@corporatie.example"
                user = User(
                    organisation=corporation,
                    email=email,
                    display_name=f"Bench {n} (bewonersconsulent)",
                    password_hash=password,
                )
                user.role_rows = [UserRole(role="caseworker")]
                session.add(user)
                session.flush()  # the sealed TOTP secret is bound to the user's id
                secret = mfa.new_secret()
                set_totp_secret(user, secret, utcnow())
                accounts.append((email, secret))
            session.commit()
            total = session.scalar(text("SELECT count(*) FROM case_file"))
            return Fixture(
                case_id=case_id,
                referral_id=referral.id,
                tenant_path=urlsplit(link).path,
                users=accounts,
                cases=int(total or 0),
            )
    finally:
        app.extensions["kp_db"].engine.dispose()


def _scenario_a_case(session) -> int:
    from portal.actor import staff_actor
    from portal.cases.service import find_cases_by_bsn

    sanne = session.scalars(select(User).where(User.email == "sanne@corporatie.example")).one()
    found = find_cases_by_bsn(session, staff_actor(sanne, label="bench"), SCENARIO_A_BSN)
    return next(c.id for c in found if c.status != "closed")


def _ask_consent(session, case_id: int) -> str | None:
    """Ask the Scenario A tenant's consent the way ``consent.demo`` does; the tenant's link."""
    from consent import service
    from consent.demo import CASEWORKER, PURPOSE, RECIPIENT
    from portal.actor import staff_actor
    from portal.cases.models import Case
    from portal.covenant.rules import active_covenant
    from portal.links import external_url

    caseworker = session.scalars(select(User).where(User.email == CASEWORKER)).one()
    recipient = session.scalars(select(Organisation).where(Organisation.slug == RECIPIENT[0])).one()
    categories = service.consent_categories(active_covenant(session), PURPOSE, RECIPIENT[1])

    def link_for(token: str) -> str:
        return external_url("consent_tenant.open_link", token=token)

    _request, channel, token = service.ask_missing(
        session,
        staff_actor(caseworker, label="bench"),
        session.get(Case, case_id),
        purpose=PURPOSE,
        role=RECIPIENT[1],
        organisation_id=recipient.id,
        categories=categories,
        link_for=link_for,
    )
    return link_for(token) if channel != "letter" else None


# --- gunicorn ----------------------------------------------------------------------------------


_GIVEN: set[int] = set()


def free_port() -> int:
    """A port nobody listens on, chosen by the system (so runs of others on this host pick
    other ones), never one this run gave out already: gunicorn binds it only later."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


class Server:
    """One gunicorn (master and workers) with ``gunicorn.conf.py``; its logs in files."""

    def __init__(self, name: str, target: str, env: dict[str, str], folder: Path, workers: int):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_path = folder / f"{name}-access.log"
        self.error_path = folder / f"{name}-stderr.log"
        self.env = os.environ | env
        self.env |= {
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESS_LOG": str(self.access_path),
            "PUBLIC_BASE_URL": f"https://127.0.0.1:{self.port}",
        }
        self.target = target
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str) -> None:
        command_line = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", self.target]
        with self.error_path.open("ab") as stderr:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command_line,
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} did not start:\n{self.tail()}")
            try:
                if requests.get(self.base + ready_path, timeout=30).status_code < 500:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet: ask again below, until the deadline
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer within 90 s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.error_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def marks(self) -> tuple[int, int]:
        """Where the logs end now: a run's lines are those between two marks."""
        return (_size(self.access_path), _size(self.error_path))


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _read(path: Path, start: int, end: int) -> list[str]:
    with path.open("rb") as fh:
        fh.seek(start)
        return fh.read(end - start).decode(errors="replace").splitlines()


# --- signing in --------------------------------------------------------------------------------


class Browser:
    """One visitor: the session cookie kept by hand (it is ``Secure``, and this is http)."""

    def __init__(self, base: str):
        self.base = base
        self.cookie = ""

    def go(self, method: str, path: str, data: dict[str, str] | None = None) -> requests.Response:
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{self.host}{path}",
            "User-Agent": USER_AGENT,
        }
        if self.cookie:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        response = requests.request(
            method,
            self.base + path,
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )
        if COOKIE in response.cookies:
            self.cookie = response.cookies[COOKIE] or ""
        return response

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def form(self, path: str, fields: dict[str, str]) -> requests.Response:
        page = self.go("GET", path)
        found = CSRF.search(page.text)
        if page.status_code != 200 or found is None:
            raise SystemExit(f"GET {path}: {page.status_code}, no form")
        return self.go("POST", path, {"csrf_token": found.group(1), **fields})

    def cookie_header(self) -> str:
        return f"{COOKIE}={self.cookie}"


def sign_in(base: str, email: str, secret: str) -> Browser:
    """The real sign-in: password, then the current code from the authenticator app."""
    browser = Browser(base)
    step = browser.form("/inloggen", {"email": email, "password": DEMO_PASSWORD})
    if step.status_code != 302 or "/inloggen/code" not in step.headers.get("Location", ""):
        raise SystemExit(f"sign-in of {email}: password step answered {step.status_code}")
    done = browser.form("/inloggen/code", {"code": mfa.current_code(secret, utcnow())})
    if done.status_code != 302 or "/inloggen" in done.headers.get("Location", ""):
        raise SystemExit(f"sign-in of {email}: code step answered {done.status_code}")
    return browser


def tenant(base: str, link_path: str) -> Browser:
    """The tenant opens the consent link: the identity page is theirs from then on."""
    browser = Browser(base)
    opened = browser.go("GET", link_path)
    if opened.status_code != 302:
        raise SystemExit(f"the tenant's link answered {opened.status_code}")
    return browser


# --- wrk ---------------------------------------------------------------------------------------


@dataclass
class Load:
    threads: int
    connections: int
    duration: str
    timeout: str


@dataclass
class Run:
    """One wrk run and what the server logged meanwhile."""

    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    socket_errors: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    # Durations of the 2xx answers only: an error answered early would flatter the figures.
    server_ms: list[float] = field(default_factory=list)  # gunicorn's access log
    app_ms: dict[str, list[float]] = field(default_factory=dict)  # endpoint: duration_ms
    app_errors: list[dict[str, Any]] = field(default_factory=list)
    app_not_2xx: Counter[str] = field(default_factory=Counter)  # endpoint: answers not 2xx

    @property
    def not_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))

    def app_all(self) -> list[float]:
        return [ms for values in self.app_ms.values() for ms in values]


LUA = """-- generated by bench.http: every request in turn, each thread from its own start
local entries = %s
local requests = {}
local i = 0
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  for _, e in ipairs(entries) do
    local headers = {["X-Forwarded-Proto"] = "https", ["User-Agent"] = %s}
    if e[2] ~= "" then headers["Cookie"] = e[2] end
    table.insert(requests, wrk.format("GET", e[1], headers))
  end
  i = (offset or 0) %% #requests
end
function request()
  i = i %% #requests + 1
  return requests[i]
end
"""


def wrk_script(folder: Path, entries: list[tuple[str, str]]) -> Path:
    body = ", ".join("{%s, %s}" % (json.dumps(p), json.dumps(c)) for p, c in entries)  # noqa: UP031
    path = folder / f"load-{len(list(folder.glob('load-*.lua')))}.lua"
    path.write_text(LUA % ("{" + body + "}", json.dumps(USER_AGENT)))
    return path


def run_wrk(
    wrk: str, server: Server, entries: list[tuple[str, str]], load: Load, folder: Path
) -> Run:
    script = wrk_script(folder, entries)
    start = server.marks()
    finished = subprocess.run(  # noqa: S603 - wrk, found on PATH, with our arguments
        [
            wrk,
            f"-t{load.threads}",
            f"-c{load.connections}",
            f"-d{load.duration}",
            f"--timeout={load.timeout}",
            "--latency",
            "-s",
            str(script),
            server.base,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise SystemExit(f"wrk failed ({finished.returncode}):\n{finished.stderr}")
    time.sleep(1.0)  # the last answers reach the logs
    run = parse_wrk(finished.stdout)
    end = server.marks()
    for line in _read(server.access_path, start[0], end[0]):
        found = ACCESS_LINE.match(line)
        if found:
            run.statuses[found.group(3)] += 1
            if found.group(3).startswith("2"):
                run.server_ms.append(float(found.group(4)) * 1000)
    for line in _read(server.error_path, start[1], end[1]):
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "request":
            endpoint = str(entry.get("endpoint"))
            if 200 <= int(entry.get("status", 0)) < 300:
                run.app_ms.setdefault(endpoint, []).append(entry["duration_ms"])
            else:
                run.app_not_2xx[endpoint] += 1
        if entry.get("level") in ("ERROR", "CRITICAL"):
            run.app_errors.append(entry)
    return run


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value)
    if not found:
        raise ValueError(f"not a wrk duration: {value}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse_wrk(output: str) -> Run:
    run = Run()
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    run.requests_per_second = float(rate.group(1)) if rate else 0.0
    for percent, value in re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)", output, re.M):
        if percent == "50":
            run.p50_ms = _ms(value)
        else:
            run.p99_ms = _ms(value)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    run.socket_errors = sum(int(n) for n in errors.groups()) if errors else 0
    return run


# --- figures -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(q / 100 * len(ordered))) - 1)]


def _pair(values: list[float]) -> str:
    if not values:
        return f"{'-':>15}"
    return f"{percentile(values, 50):7.1f}/{percentile(values, 99):<7.1f}"


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


LEGEND = """  req/s, p50, p99: what wrk saw (waiting for a free worker included). non-2xx: answers
  other than 2xx in gunicorn's access log (wrk counts redirects as success). errors: wrk's
  socket errors and timeouts. in gunicorn, in app: p50/p99 ms of the 2xx answers, from
  gunicorn's access log and from the portal's own request log (duration_ms). app/floor: the
  portal's req/s over the floor's in the run just before it."""

HEADER = (
    f"  {'page':<9} {'server':<6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
    f"{'errors':>7}  {'in gunicorn p50/p99':>19}  {'in app p50/p99':>15}  {'app/floor':>9}"
)


def row(page: str, server: str, run: Run, floor: Run | None = None) -> str:
    ratio = (
        f"{run.requests_per_second / floor.requests_per_second:8.3f}{'*' if run.not_2xx else ' '}"
        if floor and floor.requests_per_second
        else f"{'':>9}"
    )
    app = _pair(run.app_all()) if server == "app" else f"{'':>15}"
    return (
        f"  {page:<9} {server:<6} {run.requests_per_second:8.1f} {run.p50_ms:8.1f} "
        f"{run.p99_ms:8.1f} {run.not_2xx:8d} {run.socket_errors:7d}  "
        f"{_pair(run.server_ms):>19}  {app}  {ratio}"
    )


def _frame(frame: str) -> str:
    """A trace frame without the machine's folders."""
    for marker in ("site-packages/", f"{ROOT}/"):
        if marker in frame:
            return frame.split(marker, 1)[1]
    return frame


def report_errors(runs: dict[str, Run]) -> None:
    """Statuses other than 2xx, and the app's logged errors (type and trace, never a message:
    the portal does not log those)."""
    shown: set[tuple[str, ...]] = set()
    for page, run in runs.items():
        if run.not_2xx:
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(run.statuses.items()))
            print(f"  {page}: statuses {statuses}")
        errors = Counter(
            (str(e.get("message")), str(e.get("exception")), tuple(e.get("trace") or ()))
            for e in run.app_errors
            if e.get("exception")  # the "server error" line that follows each one adds nothing
        )
        for (message, exception, trace), count in errors.most_common():
            if trace in shown:
                print(f"  {page}: {count} x {message}: {exception}, the same frames as above")
                continue
            shown.add(trace)
            print(f"  {page}: {count} x {message}: {exception}, innermost frames last:")
            for frame in trace:
                print(f"      {_frame(frame)}")
    if any(run.not_2xx for run in runs.values()):
        print("  * answers other than 2xx are counted in req/s and in the ratio to the floor")


# --- the benchmark ----------------------------------------------------------------------------


def run(
    database_url: str | None = None,
    cases: int = 1_000,
    users: int = 4,
    workers: int = 2,
    load: Load | None = None,
    soak: bool = False,
    soak_load: Load | None = None,
    pages: tuple[str, ...] = PAGES,
    logs: Path | None = None,
    database_name: str = PG_DATABASE,
) -> None:
    load = load or Load(threads=2, connections=20, duration="15s", timeout="10s")
    soak_load = soak_load or Load(threads=2, connections=50, duration="60s", timeout="10s")
    wrk = shutil.which("wrk")
    if wrk is None:
        print(WRK_HINT, file=sys.stderr)
        raise SystemExit(2)
    print(
        f"HTTP benchmark (Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores; gunicorn {gunicorn.__version__}, {workers} sync workers)"
    )
    with (
        tempfile.TemporaryDirectory(prefix="kp-bench-http-") as tmp,
        database(database_url, database_name) as url,
    ):
        folder = Path(tmp)
        keys = secrets_for_run()
        started = time.perf_counter()
        fixture = prepare(url, keys, folder / "instance", cases, users)
        engine_name = make_url(url).get_backend_name()
        print(
            f"Database: {engine_name}, {fixture.cases:,} cases, ready in "
            f"{time.perf_counter() - started:.0f} s"
        )
        env = {
            "KP_ENV": "production",
            "DATABASE_URL": url,
            "MAIL_BACKEND": "memory",
            "LOG_LEVEL": "INFO",
            # One sign-in per virtual user, from one address: more than 10 a minute.
            "LOGIN_RATELIMIT": "1000 per minute",
            **keys,
        }
        app = Server("app", "wsgi:app", env, folder, workers)
        floor = Server("floor", "bench.floor:create_app()", env, folder, workers)
        try:
            app.start("/inloggen")
            floor.start("/")
            staff = [sign_in(app.base, email, secret) for email, secret in fixture.users]
            visitor = tenant(app.base, fixture.tenant_path)
            paths = {
                "work": "/mijn-werk",
                "inbox": "/casussen",
                "case": f"/casussen/{fixture.case_id}",
                "referral": f"/overdrachten/{fixture.referral_id}",
                "consent": f"/casussen/{fixture.case_id}/toestemming",
                "tenant": "/toestemming/wie-bent-u",
            }
            # One request per page per user in turn; the tenant's page as often as the others.
            entries = {
                page: [
                    (path, visitor.cookie_header() if page == "tenant" else b.cookie_header())
                    for b in staff
                ]
                for page, path in paths.items()
            }
            for page in PAGES:  # every page answers 200 before any load
                path, cookie = entries[page][0]
                check = Browser(app.base)
                check.cookie = cookie.split("=", 1)[1]
                status = check.go("GET", path).status_code
                if status != 200:
                    raise SystemExit(f"{page} ({path}) answered {status}:\n{app.tail()}")
            floor_entries = [("/", "")]
            mix = [entries[page][n] for n in range(len(staff)) for page in PAGES]
            warm = Load(threads=1, connections=4, duration="3s", timeout=load.timeout)
            run_wrk(wrk, floor, floor_entries, warm, folder)
            run_wrk(wrk, app, mix, warm, folder)

            print(f"Users: {len(staff)} caseworkers signed in (password + TOTP), one tenant")
            print(f"Load average at start: {loadavg()}")
            if soak:
                print(
                    f"\nSoak: wrk -t{soak_load.threads} -c{soak_load.connections} "
                    f"-d{soak_load.duration} on a mix of every page (ms)"
                )
                result = run_wrk(wrk, app, mix, soak_load, folder)
                print(HEADER)
                print(row("mix", "app", result))
                print(f"\n  {'endpoint':<40} {'2xx':>8} {'non-2xx':>8} {'in app p50/p99':>15}")
                for endpoint in sorted(set(result.app_ms) | set(result.app_not_2xx)):
                    values = result.app_ms.get(endpoint, [])
                    print(
                        f"  {endpoint:<40} {len(values):8d} {result.app_not_2xx[endpoint]:8d} "
                        f"{_pair(values)}"
                    )
                report_errors({"mix": result})
                print(LEGEND)
            else:
                print(
                    f"\nwrk -t{load.threads} -c{load.connections} -d{load.duration}, "
                    f"floor then app for each page (ms)"
                )
                print(HEADER)
                results: dict[str, Run] = {}
                for page in pages:
                    base = run_wrk(wrk, floor, floor_entries, load, folder)
                    results[page] = run_wrk(wrk, app, entries[page], load, folder)
                    print(row(page, "floor", base))
                    print(row(page, "app", results[page], base), flush=True)
                report_errors(results)
                print(LEGEND)
            print(f"\nLoad average at end: {loadavg()}")
        finally:
            app.stop()
            floor.stop()
            if logs is not None:
                logs.mkdir(parents=True, exist_ok=True)
                for log in folder.glob("*.log"):
                    shutil.copy(log, logs / log.name)
                print(f"Logs of both servers copied to {logs}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (any database on it): the bench makes and drops its own",
    )
    parser.add_argument(
        "--database-name",
        default=os.environ.get("KP_BENCH_DATABASE") or PG_DATABASE,
        help=f"the database it makes there ({PG_DATABASE}, or KP_BENCH_DATABASE): give each "
        "run on a shared server a name of its own",
    )
    parser.add_argument("--cases", type=int, default=1_000, help="bulk cases besides the demo")
    parser.add_argument("--users", type=int, default=4, help="caseworkers signed in")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("-t", "--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("-c", "--connections", type=int, default=20, help="wrk connections")
    parser.add_argument("-d", "--duration", default="15s", help="wrk duration per run")
    parser.add_argument("--timeout", default="10s", help="wrk: a request slower than this fails")
    parser.add_argument(
        "--page", action="append", choices=PAGES, help="only this page (repeatable)"
    )
    parser.add_argument(
        "--soak", action="store_true", help="instead: many connections on a mix of every page"
    )
    parser.add_argument("--soak-connections", type=int, default=50)
    parser.add_argument("--soak-duration", default="60s")
    parser.add_argument("--logs", type=Path, help="copy both servers' logs to this folder")
    args = parser.parse_args()
    if args.users < 1 or args.cases < 0 or args.workers < 1:
        parser.error("--users and --workers must be at least 1, --cases at least 0")
    run(
        database_url=args.database_url,
        cases=args.cases,
        users=args.users,
        workers=args.workers,
        load=Load(args.threads, args.connections, args.duration, args.timeout),
        soak=args.soak,
        soak_load=Load(args.threads, args.soak_connections, args.soak_duration, args.timeout),
        pages=tuple(args.page or PAGES),
        logs=args.logs,
        database_name=args.database_name,
    )


if __name__ == "__main__":
    main()
