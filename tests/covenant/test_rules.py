"""Every rule question, answered from the demo covenant."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from portal import ROOT
from portal.covenant.document import parse
from portal.covenant.rules import (
    Covenant,
    NoActiveCovenant,
    Rung,
    Signalling,
    UnknownCode,
    active_covenant,
    active_version,
)
from portal.demo import DEMO_COVENANT, load_demo
from tests.covenant.conftest import DEMO_SLUGS


@pytest.fixture(scope="module")
def covenant() -> Covenant:
    document = parse(DEMO_COVENANT.read_text(encoding="utf-8"), known_slugs=DEMO_SLUGS).document
    return Covenant.from_document(document, number=1, sha256="0" * 64)


def test_roles_of(covenant):
    assert covenant.roles_of("corporatie") == {"signaller"}
    assert covenant.roles_of("zorg") == {"care"}
    assert covenant.roles_of("not-a-partner") == frozenset()
    assert covenant.partners_with_role("debt_coach") == ("schuldhulp",)
    assert covenant.is_partner("welzijn") and not covenant.is_partner("elsewhere")


def test_signalling_threshold_and_deadlines(covenant):
    assert covenant.signalling == Signalling(
        purpose="early_signalling",
        min_days_overdue=30,
        min_amount_cents=7500,
        first_conversation_weeks=4,
        crisis_working_days=3,
        decision_weeks=8,
    )


def test_may_share_answers_the_basis_or_none(covenant):
    basis = covenant.may_share("early_signalling", "debt_coach", "arrears")
    assert basis is not None and basis.code == "wgs_signal" and basis.kind == "statutory"
    # The Besluit (art. 2): contact details and the amount, not the household's finances.
    assert covenant.may_share("early_signalling", "debt_coach", "finances") is None
    assert "art. 3a" in basis.reference
    consent = covenant.may_share("debt_help", "welfare", "identity")
    assert consent is not None and consent.is_consent
    # Not in the covenant: no.
    assert covenant.may_share("early_signalling", "debt_coach", "household") is None
    assert covenant.may_share("early_signalling", "welfare", "identity") is None
    assert covenant.may_share("debt_help", "debt_coach", "health") is None
    # Unknown codes are a "no", never an error: deny by default.
    assert covenant.may_share("no_such_purpose", "debt_coach", "identity") is None
    assert covenant.may_share("debt_help", "no_such_role", "identity") is None


def test_special_categories_only_with_consent(covenant):
    for purpose in covenant.purposes:
        for role in covenant.recipients(purpose):
            for category in ("health", "justice"):
                basis = covenant.may_share(purpose, role, category)
                assert basis is None or basis.is_consent


def test_sharing_package(covenant):
    package = covenant.sharing_package("debt_help", "debt_coach")
    assert {cat: basis.code for cat, basis in package.items()} == {
        "identity": "wgs_help",
        "contact": "wgs_help",
        "arrears": "wgs_help",
        "finances": "wgs_help",
        "household": "consent",
        "contact_history": "consent",
        "life_map": "consent",
        "tenant_input": "wgs_help",
    }
    assert covenant.sharing_package("early_signalling", "care") == {}
    with pytest.raises(UnknownCode):
        covenant.sharing_package("debt_help", "welfare2")


def test_ladder_with_sla_days(covenant):
    assert covenant.ladder("debt_help") == (
        Rung(0, "debt_coach", response_days=3, first_contact_days=10),
        Rung(1, "welfare", response_days=5, first_contact_days=10),
    )
    assert covenant.first_rung("debt_help").role == "debt_coach"
    assert covenant.ladder("eviction_decision") == ()
    assert covenant.first_rung("eviction_decision") is None


def test_next_rung(covenant):
    rung = covenant.next_rung("debt_help", "debt_coach")
    assert rung is not None and rung.role == "welfare" and rung.first_contact_days == 10
    assert covenant.next_rung("debt_help", "welfare") is None  # the end of the ladder
    assert covenant.next_rung("debt_help", "crisis_team") is None  # not on this ladder
    with pytest.raises(UnknownCode):
        covenant.next_rung("debt_help", "welfare2")
    with pytest.raises(UnknownCode):
        covenant.next_rung("no_such_purpose", "debt_coach")


def test_voters_without_and_with_minors(covenant):
    plain = covenant.voters("eviction", minors_present=False)
    assert plain.required_roles == ("signaller", "crisis_team")
    assert plain.rule == "unanimity"
    assert plain.veto_roles == ("crisis_team",)
    assert plain.voting_days == 10
    assert plain.purpose == "eviction_decision"
    with_minors = covenant.voters("eviction", minors_present=True)
    assert with_minors.required_roles == ("signaller", "crisis_team", "care")
    last_chance = covenant.voters("last_chance", minors_present=False)
    assert last_chance.rule == "majority" and last_chance.veto_roles == ()
    with pytest.raises(UnknownCode):
        covenant.voters("demolition", minors_present=False)


def test_required_prevention_steps(covenant):
    assert covenant.required_prevention_steps("eviction") == (
        "contact_attempts",
        "debt_help_offered",
        "payment_arrangement_considered",
        "crisis_team_involved",
        "last_chance_considered",
    )
    assert covenant.required_prevention_steps("last_chance") == (
        "contact_attempts",
        "debt_help_offered",
    )
    assert covenant.prevention_steps["crisis_team_involved"].nl == "Crisisteam betrokken"


def test_decision_effects_alternatives_and_crisis_roles(covenant):
    """What approval leads to, what may be prepared instead, and who answers a crisis."""
    eviction = covenant.decision("eviction")
    assert eviction.effect == "assignment" and eviction.min_months is None
    assert [d.code for d in covenant.alternatives("eviction")] == [
        "last_chance",
        "second_chance",
        "behavioural_instruction",
    ]
    assert covenant.decision("last_chance").effect == "trajectory"
    assert covenant.decision("last_chance").min_months == 24
    assert covenant.decision("second_chance").min_months == 12
    assert covenant.alternatives("last_chance") == ()
    assert covenant.crisis_roles() == ("crisis_team", "shelter")
    assert eviction.shelter_handover == "shelter" and eviction.shelter_before_bailiff_if_minors
    assert covenant.partners_with_role("crisis_team") == ("crisisteam",)
    assert covenant.evidence_for("debt_help_offered") == ("referrals",)
    assert "crisis_involvement" in covenant.evidence_for("crisis_team_involved")
    with pytest.raises(UnknownCode):
        covenant.evidence_for("prayer")
    with_minors = covenant.voters("behavioural_instruction", minors_present=True)
    assert with_minors.required_roles == ("signaller", "crisis_team", "care")
    assert with_minors.rule == "unanimity" and with_minors.voting_days == 5


def test_retention_days(covenant):
    assert covenant.retention_days("health") == 180
    assert covenant.retention_days("identity") == 730
    with pytest.raises(UnknownCode):
        covenant.retention_days("shoe_size")


def test_involvement_visible(covenant):
    assert covenant.involvement_visible("care") is False
    assert covenant.involvement_visible("debt_coach") is True
    with pytest.raises(UnknownCode):
        covenant.involvement_visible("astrologer")


def test_texts_fall_back_to_dutch(covenant):
    prevention = covenant.prevention_steps["contact_attempts"]
    assert prevention.get("ar") == prevention.nl and not prevention.has("ar")
    assert covenant.roles["care"].name.get("ar") == "الرعاية الصحية"


def test_the_covenant_is_immutable(covenant):
    with pytest.raises(dataclasses.FrozenInstanceError):
        covenant.region = "Elders"  # type: ignore[misc]
    with pytest.raises(TypeError):
        covenant.purposes["debt_help"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        covenant.purposes["debt_help"].sharing["debt_coach"]["health"] = "consent"  # type: ignore[index]


def test_active_covenant_comes_from_the_database(session, partners):
    assert active_version(session) is None
    with pytest.raises(NoActiveCovenant):
        active_covenant(session)
    load_demo(session)
    version = active_version(session)
    covenant = active_covenant(session)
    assert covenant.number == version.number and covenant.sha256 == version.sha256
    assert covenant.version_id == version.id
    assert covenant.region == "Regio Demostad"


RULE_CODES = re.compile(
    r"""["'](signaller|debt_coach|crisis_team|early_signalling|debt_help|care_support|"""
    r"""eviction_decision|last_chance|wgs_signal|wgs_help|wmo_task)["']"""
)


def test_no_covenant_rule_is_hard_coded_in_python():
    """Roles, purposes and bases come from the covenant document, never from constants."""
    offenders = []
    for package in ("portal", "consent", "handover"):
        for path in sorted(Path(ROOT, package).rglob("*.py")):
            if path.stem.startswith("demo"):  # demo data goes with the demo covenant
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if RULE_CODES.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []
