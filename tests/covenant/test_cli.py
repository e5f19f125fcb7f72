"""``flask covenant load|show`` and the demo covenant, through the real CLI."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.covenant.models import CovenantAcceptance, CovenantVersion
from portal.demo import DEMO_COVENANT, ORGANISATIONS


def _versions(session) -> list[CovenantVersion]:
    return list(session.scalars(select(CovenantVersion).order_by(CovenantVersion.number)))


def test_load_stores_a_draft_with_the_hash_of_its_source(app, session, partners):
    result = app.test_cli_runner().invoke(args=["covenant", "load", str(DEMO_COVENANT)])
    assert result.exit_code == 0, result.output
    [version] = _versions(session)
    expected = hashlib.sha256(DEMO_COVENANT.read_bytes()).hexdigest()
    assert version.sha256 == expected and version.number == 1 and version.status == "draft"
    assert version.source == DEMO_COVENANT.read_text(encoding="utf-8")
    assert version.document["covenant"]["region"] == "Regio Demostad"
    assert version.loaded_by == "cli:covenant load" and version.loaded_at is not None
    assert f"Loaded version 1 as a draft (sha256 {expected})" in result.output
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "covenant.load"))
    assert event.detail_dict == {"version": 1, "sha256": expected}


def test_loading_an_identical_source_twice_is_a_clear_no_op(app, session, partners):
    runner = app.test_cli_runner()
    runner.invoke(args=["covenant", "load", str(DEMO_COVENANT)])
    again = runner.invoke(args=["covenant", "load", str(DEMO_COVENANT)])
    assert again.exit_code == 0
    assert "Identical to version 1 (draft, sha256 " in again.output
    assert "nothing loaded" in again.output
    assert len(_versions(session)) == 1


def test_a_changed_source_becomes_the_next_version(app, session, partners, tmp_path):
    changed = tmp_path / "covenant.toml"
    changed.write_bytes(DEMO_COVENANT.read_bytes() + b"\n# a comment changes the hash\n")
    runner = app.test_cli_runner()
    runner.invoke(args=["covenant", "load", str(DEMO_COVENANT)])
    result = runner.invoke(args=["covenant", "load", str(changed)])
    assert result.exit_code == 0, result.output
    assert [v.number for v in _versions(session)] == [1, 2]


def test_invalid_file_lists_every_error_and_stores_nothing(app, session, partners, tmp_path):
    text = DEMO_COVENANT.read_text(encoding="utf-8")
    text = text.replace("[purposes.debt_help.sharing.welfare]", "[purposes.debt_help.sharing.x]")
    text = text.replace('rule = "unanimity"', 'rule = "most"', 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["covenant", "load", str(bad)])
    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: purposes.debt_help.sharing.x: unknown role 'x'",
        "error: purposes.debt_help.ladder[1].role: role 'welfare' receives nothing under this "
        "purpose (no sharing.welfare)",
        "error: decisions.eviction.rule: must be one of 'unanimity', 'majority', got 'most'",
    ]
    assert "3 errors; the covenant was not loaded." in result.stderr
    assert _versions(session) == []
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_partner_without_organisation_is_refused(app, session, make_org):
    for slug in ("corporatie", "schuldhulp", "crisisteam", "welzijn"):
        make_org(slug)
    result = app.test_cli_runner().invoke(args=["covenant", "load", str(DEMO_COVENANT)])
    assert result.exit_code != 0
    assert "error: partners.zorg: no organisation with slug 'zorg' in the database" in (
        result.stderr
    )
    assert _versions(session) == []


def test_a_file_that_is_not_utf8_is_refused(app, session, partners, tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("region = 'Caf\u00e9'".encode("latin-1"))
    result = app.test_cli_runner().invoke(args=["covenant", "load", str(bad)])
    assert result.exit_code != 0 and "error: the file is not UTF-8 text" in result.stderr


def test_show_prints_the_active_version(app, session, partners):
    runner = app.test_cli_runner()
    none = runner.invoke(args=["covenant", "show"])
    assert none.exit_code != 0 and "No covenant version is active." in none.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["covenant", "show"])
    assert result.exit_code == 0, result.output
    version = _versions(session)[0]
    out = result.output
    assert "Covenant version 1 (active)" in out
    assert f"sha256     {version.sha256}" in out
    assert "region     Regio Demostad" in out
    assert "zorg           care" in out
    assert "ladder 2: welfare (respond in 5 d, first contact in 10 d)" in out
    assert "eviction: unanimity of signaller, crisis_team (+care with minors)" in out
    assert "health           180 days (special)" in out
    assert runner.invoke(args=["covenant", "show", "1"]).exit_code == 0
    missing = runner.invoke(args=["covenant", "show", "7"])
    assert missing.exit_code != 0 and "No covenant version 7." in missing.output


def test_demo_loads_and_activates_the_demo_covenant_once(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    [version] = _versions(session)
    assert version.status == "active" and version.activated_how == "all_accepted"
    assert "Covenant: version 1 is active" in first.output
    accepted = session.scalars(select(CovenantAcceptance)).all()
    assert len(accepted) == len(ORGANISATIONS) and {a.sha256 for a in accepted} == {version.sha256}
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert len(_versions(session)) == 1
    assert session.scalar(select(func.count()).select_from(CovenantAcceptance)) == len(
        ORGANISATIONS
    )
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("covenant.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["covenant.load"] + ["covenant.accept"] * len(ORGANISATIONS) + [
        "covenant.activate"
    ]
