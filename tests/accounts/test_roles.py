"""Every named set of portal roles names portal roles only, and every portal role has a label."""

from __future__ import annotations

from portal.accounts import roles
from portal.accounts.labels import ROLE_LABELS


def test_every_named_set_holds_portal_roles_only():
    named = {
        name: value
        for name, value in vars(roles).items()
        if name.endswith("_ROLES") and name != "PORTAL_ROLES"
    }
    assert named, "the sets of roles live in portal.accounts.roles"
    for name, value in named.items():
        assert value and set(value) <= set(roles.PORTAL_ROLES), name


def test_every_portal_role_has_a_label():
    assert set(ROLE_LABELS) == set(roles.PORTAL_ROLES)
