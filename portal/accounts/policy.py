"""Loaders for organisation admins: another organisation's objects look like missing ones."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.accounts.models import Invitation, User
from portal.actor import Actor
from portal.errors import NotFound


def load_org_user(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.organisation_id != actor.organisation_id:
        raise NotFound()
    return user


def load_org_invitation(session: Session, actor: Actor, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != actor.organisation_id:
        raise NotFound()
    return invitation
