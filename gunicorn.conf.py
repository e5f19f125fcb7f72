"""Gunicorn in production: ``gunicorn -c gunicorn.conf.py wsgi:app``, behind a reverse proxy
that terminates TLS.

Every setting can be changed from the environment (see README, "Running in production"):

``GUNICORN_BIND``            where to listen (``127.0.0.1:8000``; a proxy on the same host)
``GUNICORN_WORKERS``         worker processes (2)
``GUNICORN_TIMEOUT``         seconds a worker may be silent before it is restarted (30)
``GUNICORN_GRACEFUL_TIMEOUT`` seconds a worker has to finish its request on restart (30)
``FORWARDED_ALLOW_IPS``      addresses of the proxy, trusted for ``X-Forwarded-Proto`` (local)
``GUNICORN_ACCESS_LOG``      access log file, ``-`` for stdout (default), empty for none
``GUNICORN_LOG_LEVEL``       gunicorn's own messages on stderr (``info``)

The access log holds the method, the path, the status and the duration: no client address,
no query string (search terms), no referrer, no user agent. Paths that carry a link's secret
(an invitation, a tenant's consent link, a receipt) are logged with the secret replaced.
The application logs every request itself as JSON on stderr (``portal/logs.py``).
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"
workers = _int("GUNICORN_WORKERS", 2)
# Sync workers: one request at a time per process. The reverse proxy buffers slow clients.
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Only the proxy may say that a request came in over https (X-Forwarded-Proto): then the app
# sees https (its links, the CSRF referrer check). Default: a proxy on this host.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1"

# No runtime control socket (gunicorn 25+ makes one in the home folder): systemd's signals
# (HUP to reload, TERM to stop) are the interface, and two servers on one host do not share it.
control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = "%(m)s %(U)s %(s)s %(L)ss"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "").strip() or "info"

#: Paths whose last part is a secret (the link itself is the key): logged as ``<token>``.
SECRET_PATHS = re.compile(
    r"^(/uitnodiging/|/t/|/toestemming/klaar/|/toestemming/bewijs/)[^/]+?(\.json|\.pdf)?(?=/|$)"
)


class AccessLogger(Logger):
    """Gunicorn's logger, with the secret part of a link path replaced in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = SECRET_PATHS.sub(r"\1<token>\2", atoms.get("U") or "")
        return atoms


logger_class = AccessLogger
