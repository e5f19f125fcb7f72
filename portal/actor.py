"""Who is acting: passed explicitly to every service function.

Services never look at ``request`` or ``current_user``; the edge (view, CLI, API) builds an
``Actor`` that also carries what the audit log must record about the request.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from portal.accounts.models import User

#: "anonymous": someone not (yet) signed in, e.g. a failed sign-in for an unknown account.
ActorKind = Literal["staff", "tenant", "system", "anonymous"]


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
    #: On whose behalf the actor acts, for the audit log: "mandate:<id>" for a legal
    #: representative, "emergency:<id>" for emergency access; None when acting for themself.
    on_behalf_of: str | None = None
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


def truncate_address(address: str | None) -> str | None:
    """IPv4 to its /24, IPv6 to its /48: enough to see an attack's origin, not to track."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def staff_actor(
    user: User, *, request_id: str | None = None, client_addr: str | None = None, label: str = ""
) -> Actor:
    return Actor(
        kind="staff",
        user_id=user.id,
        organisation_id=user.organisation_id,
        roles=user.roles,
        label=label,
        request_id=request_id,
        client_addr=client_addr,
    )


def current_actor(user: User | None = None, *, label: str = "") -> Actor:
    """The edge's helper for views: who acts in this request, for services and the audit log.

    ``user`` names the account when nobody is signed in yet (the password step of sign-in,
    the MFA step); without it, the signed-in professional, or an anonymous visitor.
    """
    from flask import g, has_request_context, request
    from flask_login import current_user

    request_id = g.get("request_id") if has_request_context() else None
    client_addr = truncate_address(request.remote_addr) if has_request_context() else None
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    if user is None:
        return Actor(kind="anonymous", label=label, request_id=request_id, client_addr=client_addr)
    return staff_actor(user, request_id=request_id, client_addr=client_addr, label=label)
