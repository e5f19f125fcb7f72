"""Who is acting: passed explicitly to every service function.

Services never look at ``request`` or ``current_user``; the edge (view, CLI, API) builds an
``Actor`` that also carries what the audit log must record about the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ActorKind = Literal["staff", "tenant", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    user_id: int | None = None
    organisation_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    #: For tenants: the person record they proved to be (or represent).
    person_id: int | None = None
    #: For system actors: which command or job acts, e.g. "cli:keys rotate".
    label: str = ""
    request_id: str | None = None
    #: Truncated client address (IPv4 /24, IPv6 /48): enough for security, not a tracker.
    client_addr: str | None = None

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(kind="system", label=label)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def primary_role(self) -> str | None:
        return min(self.roles) if self.roles else None


def current_actor() -> Actor:
    """The signed-in professional as an Actor, for views to pass to services.

    Carries the request id and the client address truncated to its /24 (IPv4) or /48 (IPv6)
    network, so the audit log can trace a request without tracking a person.
    """
    import ipaddress

    from flask import g, request
    from flask_login import current_user

    client_addr = None
    try:
        ip = ipaddress.ip_address(request.remote_addr or "")
        prefix = 24 if ip.version == 4 else 48
        client_addr = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    except ValueError:
        client_addr = None
    return Actor(
        kind="staff",
        user_id=current_user.id,
        organisation_id=current_user.organisation_id,
        roles=frozenset(current_user.roles),
        request_id=g.get("request_id"),
        client_addr=client_addr,
    )
