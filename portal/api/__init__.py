"""The partner API: partner systems exchange signals and referrals with the portal over
OAuth 2.0 client credentials, described by an OpenAPI 3.1 document.

Its plumbing lives here (clients and tokens, the edge every API view shares, problems, the
document); its endpoints live with their subjects and use ``portal.api.openapi.spec`` and
``portal.access.client(scope)``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask


def schema_type(info: dict[str, Any]) -> str:
    """A JSON Schema's type in a few words, for the reference page."""
    if "$ref" in info:
        return str(info["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in info:
        return " | ".join(schema_type(part) for part in info["anyOf"])
    kind = str(info.get("type", "any"))
    if kind == "array":
        return f"array of {schema_type(info.get('items', {}))}"
    if "enum" in info:
        return " | ".join(str(v) for v in info["enum"])
    if "const" in info:
        return str(info["const"])
    return kind + (f" ({info['format']})" if "format" in info else "")


def register(app: Flask, blueprint: Blueprint) -> None:
    """Register a subject's API blueprint: partner systems send tokens, not a browser's
    cookie, so it is exempt from CSRF."""
    from portal.extensions import csrf

    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)


def init_app(app: Flask) -> None:
    from portal.api import oauth
    from portal.api.admin import bp as admin_bp
    from portal.api.cli import api_cli
    from portal.api.views import bp

    app.jinja_env.filters["schema_type"] = schema_type
    oauth.init_app(app)
    register(app, bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(api_cli)
