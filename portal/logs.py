"""Structured JSON logging with a request id, and nothing personal in it.

Log lines name the route pattern (``/cases/<int:case_id>``), never the concrete path: paths
may carry tokens, and query strings may carry search terms such as a BSN.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
        for key in ("event", "endpoint", "method", "status", "duration_ms", "error"):
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            # The exception type and where it was raised; never the message (it may hold data).
            exc_type, _exc, tb = record.exc_info
            entry["exception"] = exc_type.__name__ if exc_type else None
            frames = []
            while tb is not None:
                frames.append(f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}")
                tb = tb.tb_next
            entry["trace"] = frames[-8:]
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("portal")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    access = logging.getLogger("portal.access")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint != "static":
            duration = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
            access.info(
                "request",
                extra={
                    "event": "request",
                    "endpoint": request.url_rule.rule if request.url_rule else None,
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round(duration, 1),
                },
            )
        return response
