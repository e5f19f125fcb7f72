"""Deny by default: every endpoint declares who may use it.

A view without a declared rule answers 403 (and a test walks ``app.url_map`` so none ships).
Rules say *who* may reach an endpoint; *what* they may see of a case is decided by the policy
modules (``portal.cases.policy``, ``consent.policy``), never here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from portal.accounts.roles import CASEWORK_ROLES

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["public", "tenant", "staff", "client"]
log = logging.getLogger("portal.access")


@dataclass(frozen=True)
class AccessRule:
    kind: Kind
    roles: frozenset[str] = field(default_factory=frozenset)
    #: For ``client`` endpoints: the OAuth scope the bearer token must hold.
    scopes: frozenset[str] = field(default_factory=frozenset)


def _declare(rule: AccessRule) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]  # read back by rule_for
        return view

    return decorator


def public(view: F) -> F:
    """Anyone, signed in or not: sign-in, health, language switch, public information."""
    return _declare(AccessRule("public"))(view)


def tenant(view: F) -> F:
    """Tenant entry pages: anyone may reach them; the view proves the tenant (token, code)."""
    return _declare(AccessRule("tenant"))(view)


def staff(*roles: str) -> Callable[[F], F]:
    """A signed-in professional (MFA done); with roles, one of those portal roles."""
    return _declare(AccessRule("staff", frozenset(roles)))


def casework(view: F) -> F:
    """Staff with a casework role (``CASEWORK_ROLES``): every page that shows or changes a case,
    a referral, a decision or a consent request.

    One declaration, so that no case page can be opened to an organisation admin or an
    auditor by forgetting a role list; ``tests/test_access_declared.py`` checks that every
    case-data endpoint uses it.
    """
    return _declare(AccessRule("staff", CASEWORK_ROLES))(view)


def client(scope: str) -> Callable[[F], F]:
    """A partner system's API call: a valid bearer token of an active client with ``scope``
    (``portal.api``); never a browser session."""
    return _declare(AccessRule("client", scopes=frozenset({scope})))


def rule_for(app: Flask, endpoint: str | None) -> AccessRule | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return AccessRule("public")
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def init_app(app: Flask) -> None:
    @app.before_request
    def _enforce() -> Any:
        if request.endpoint is None:  # 404/405: routing failed, the error handler answers
            return None
        rule = rule_for(current_app, request.endpoint)
        if rule is None:
            log.error("endpoint without access rule", extra={"endpoint": request.endpoint})
            abort(403)
        if rule.kind == "client":
            from portal.api.edge import authenticate

            return authenticate(rule.scopes)
        if rule.kind != "staff":
            return None
        from portal.accounts.sessions import is_fully_signed_in

        if not is_fully_signed_in():
            if wants_json():
                abort(401)
            login_view = current_app.login_manager.login_view  # type: ignore[attr-defined]  # set by Flask-Login
            if login_view:
                return redirect(url_for(login_view, next=request.full_path.rstrip("?")))
            abort(401)
        if rule.roles and not current_user.has_any_role(rule.roles):
            abort(403)
        return None
