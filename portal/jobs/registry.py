"""Background jobs by name: a room declares a function as a job, the queue runs it.

A job is a plain function of keyword arguments that are ids, numbers and short strings
(they travel through the broker, so never personal data). It runs in an application
context of its own, uses ``db.session`` like a CLI command and commits its own work; what it
returns is the run's summary (counts and names only, see ``portal.jobs.models.JobRun``).
The same function is what a test or the CLI calls, so there is one way a job works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

JobFunction = Callable[..., str | None]


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    #: A run still going after this long is stopped (the broker's time limit), and a run
    #: whose worker died is taken over by a redelivery once this has passed.
    time_limit: timedelta


_JOBS: dict[str, Job] = {}


def job(
    name: str, *, time_limit: timedelta = timedelta(minutes=30)
) -> Callable[[JobFunction], JobFunction]:
    """Declare ``function`` as the background job ``name`` (unique across the portal)."""

    def declare(function: JobFunction) -> JobFunction:
        known = _JOBS.get(name)
        if known is not None and known.function is not function:
            raise ValueError(f"job {name!r} is declared twice")
        _JOBS[name] = Job(name=name, function=function, time_limit=time_limit)
        return function

    return declare


def registered() -> dict[str, Job]:
    return dict(_JOBS)


def get(name: str) -> Job:
    try:
        return _JOBS[name]
    except KeyError:
        raise LookupError(f"no background job named {name!r}") from None


def arguments_ok(arguments: dict[str, Any]) -> bool:
    """Only ids, numbers, flags and short strings travel with a message."""
    return all(
        isinstance(value, (int, bool, type(None))) or (isinstance(value, str) and len(value) <= 100)
        for value in arguments.values()
    )
