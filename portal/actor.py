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
