from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.access import public
from portal.extensions import db

bp = Blueprint("main", __name__)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


@bp.get("/")
@public
def home():
    return render_template("main/home.html")


#: When the accessibility statement was last checked against what the tests do.
STATEMENT_DATE = date(2026, 12, 5)


@bp.get("/toegankelijkheid")
@public
def accessibility():
    """The accessibility statement a Dutch public service must publish (EN 301 549 / WCAG
    2.1 AA): what is tested, what is not yet, and how to report a problem."""
    return render_template("main/accessibility.html", statement_date=STATEMENT_DATE)


@bp.get("/taal/<lang>")
@public
def set_language(lang: str):
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = lang
    return redirect(safe_next(request.args.get("next")))


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.error("health check: database unreachable")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
