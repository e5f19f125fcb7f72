"""Fresh databases, a real Redis and real worker and app-server processes for the queue tests.

Each test gets a database of its own (SQLite, and PostgreSQL when configured) and a Redis
namespace of its own, so tests running in parallel never take each other's messages.
Without a reachable Redis the tests that need it show as skipped, with the reason.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from portal import create_app
from tests.conftest import Client, make_test_config, migrate

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


NEEDS_REDIS = pytest.mark.skipif(
    not _redis_reachable(), reason=f"needs Redis at {REDIS_URL} (set TEST_REDIS_URL)"
)


@pytest.fixture
def namespace() -> Iterator[str]:
    """A Redis namespace of this test's own, removed afterwards."""
    name = f"kp-test-{uuid.uuid4().hex[:12]}"
    yield name
    if _redis_reachable():
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{name}*"):
            client.delete(key)


@pytest.fixture
def make_app(backend, databases, tmp_path) -> Iterator[Callable[..., Flask]]:
    """Apps on one fresh database (several stand for several processes or a restart)."""
    url = databases.fresh(backend, "queue")
    migrate(url)
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        config = make_test_config(url, tmp_path / "instance", JOBS_INLINE=False)
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = Client
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["kp_jobs"].stop_embedded()
        app.extensions["kp_db"].engine.dispose()


def process_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment for another process of the same portal: its database, keys and queue."""
    config = app.config
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "KP_ENV": "testing",
        "SECRET_KEY": config["SECRET_KEY"],
        "DATABASE_URL": config["DATABASE_URL"],
        "KP_MASTER_KEY_FILE": config["KP_MASTER_KEY_FILE"],
        "KP_INDEX_KEY": config["KP_INDEX_KEY"],
        "KP_AUDIT_SIGNING_KEY": config["KP_AUDIT_SIGNING_KEY"],
        "MAIL_BACKEND": "file",
        "SMS_BACKEND": "file",
        "JOBS_BROKER_URL": config["JOBS_BROKER_URL"],
        "JOBS_NAMESPACE": config["JOBS_NAMESPACE"],
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``python -m <args>`` in the project, its output in ``log`` (read on failure)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """Poll until ``condition()`` holds; a generous limit, only against a hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
