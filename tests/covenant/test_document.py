"""The covenant file: the demo covenant is valid; broken files are refused, every error named."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.covenant.document import CovenantFileError, parse
from portal.demo import DEMO_COVENANT
from tests.covenant.conftest import DEMO_SLUGS


def test_demo_covenant_is_valid_without_warnings(demo_text):
    parsed = parse(demo_text, known_slugs=DEMO_SLUGS)
    assert parsed.warnings == []
    doc = parsed.document
    assert doc["covenant"]["region"] == "Regio Demostad"
    assert list(doc["partners"]) == [
        "corporatie",
        "schuldhulp",
        "crisisteam",
        "welzijn",
        "zorg",
        "opvang",
        "politie",
        "wijkteam",
    ]
    assert set(doc["roles"]) == {
        "signaller",
        "debt_coach",
        "crisis_team",
        "welfare",
        "care",
        "shelter",
        "police",
        "district_team",
    }
    assert set(doc["purposes"]) == {
        "early_signalling",
        "debt_help",
        "care_support",
        "eviction_decision",
        "last_chance",
        "emergency_access",
        "shelter",
        "nuisance_approach",
        "case_meeting",
    }
    assert doc["purposes"]["emergency_access"]["emergency_hours"] == 4
    assert set(doc["categories"]) == {
        "identity",
        "contact",
        "household",
        "arrears",
        "finances",
        "contact_history",
        "life_map",
        "health",
        "nuisance",
        "justice",
        "tenant_input",
        "emergency",
        "shelter",
        "reporter",
        "case_meeting",
        "housing_fraud",
        "subtenant",
    }
    assert doc["categories"]["health"]["special"] is True
    assert doc["categories"]["reporter"]["third_party"] is True
    assert doc["categories"]["nuisance"]["third_party"] is False
    assert doc["legal_bases"]["wgs_signal"]["kind"] == "statutory"
    assert "art. 3a" in doc["legal_bases"]["wgs_signal"]["reference"]
    assert doc["covenant"]["effective_from"] == "2026-12-01"
    assert doc["signalling"] == {
        "purpose": "early_signalling",
        "min_amount_euro": 75,
        "min_days_overdue": 30,
        "first_conversation_weeks": 4,
        "crisis_working_days": 3,
        "decision_weeks": 8,
    }


def test_without_a_signalling_section_nothing_is_reported(demo_text):
    start = demo_text.index("[signalling]")
    end = demo_text.index("# --- Roles")
    doc = parse(demo_text[:start] + demo_text[end:], known_slugs=DEMO_SLUGS).document
    assert doc["signalling"] is None


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, f"test setup: {old!r} not in the demo covenant"
    return text.replace(old, new, 1)


# (id, [(old, new), ...], exact errors)
BROKEN = [
    (
        "unknown-recipient-role",
        [("[purposes.debt_help.sharing.welfare]", "[purposes.debt_help.sharing.welfare2]")],
        [
            "purposes.debt_help.sharing.welfare2: unknown role 'welfare2'",
            "purposes.debt_help.ladder[1].role: role 'welfare' receives nothing under this "
            "purpose (no sharing.welfare)",
        ],
    ),
    (
        "category-without-legal-basis",
        [
            (
                'finances = "wgs_help"\nhousehold = "consent"',
                'finances = "wgs_help"\nhousehold = ""',
            )
        ],
        [
            "purposes.debt_help.sharing.debt_coach.household: category 'household' has no "
            "legal basis"
        ],
    ),
    (
        "unknown-legal-basis",
        [('identity = "wgs_signal"', 'identity = "wgs"')],
        ["purposes.early_signalling.sharing.debt_coach.identity: unknown legal basis 'wgs'"],
    ),
    (
        "unknown-category",
        [('arrears = "wgs_signal"', 'arrear = "wgs_signal"')],
        ["purposes.early_signalling.sharing.debt_coach.arrear: unknown category 'arrear'"],
    ),
    (
        "ladder-points-at-missing-role",
        [
            (
                '[[purposes.debt_help.ladder]]\nrole = "welfare"',
                '[[purposes.debt_help.ladder]]\nrole = "welfare2"',
            )
        ],
        ["purposes.debt_help.ladder[1].role: unknown role 'welfare2'"],
    ),
    (
        "ladder-role-receives-nothing",
        [
            (
                '[[purposes.early_signalling.ladder]]\nrole = "debt_coach"',
                '[[purposes.early_signalling.ladder]]\nrole = "crisis_team"',
            )
        ],
        [
            "purposes.early_signalling.ladder[0].role: role 'crisis_team' receives nothing "
            "under this purpose (no sharing.crisis_team)"
        ],
    ),
    (
        "unknown-key",
        [("involvement_visible = false", "involvement_visible = false\ncolour = 'red'")],
        ["roles.care.colour: unknown key"],
    ),
    (
        "unknown-top-level-key",
        [("format = 1\n", "format = 1\nextras = true\n")],
        ["extras: unknown key"],
    ),
    (
        "wrong-type",
        [("retention_days = 730", 'retention_days = "two years"')],
        ["categories.identity.retention_days: expected a whole number of days, got a string"],
    ),
    (
        "partner-without-organisation",
        [("[partners.zorg]", "[partners.zorggroep]")],
        ["partners.zorggroep: no organisation with slug 'zorggroep' in the database"],
    ),
    (
        "special-category-on-statutory-basis",
        [
            (
                'health = "consent"\ntenant_input = "wmo_task"\n\n[purposes.last_chance]',
                'health = "wmo_task"\ntenant_input = "wmo_task"\n\n[purposes.last_chance]',
            )
        ],
        [
            "purposes.eviction_decision.sharing.care.health: special category 'health' needs "
            "consent or a basis that allows special categories, not 'wmo_task'"
        ],
    ),
    (
        "unknown-decision-rule",
        [('rule = "unanimity"', 'rule = "most"')],
        ["decisions.eviction.rule: must be one of 'unanimity', 'majority', got 'most'"],
    ),
    (
        "veto-role-not-a-voter",
        [('veto = ["crisis_team"]', 'veto = ["welfare"]')],
        ["decisions.eviction.veto[0]: role 'welfare' is not a voter"],
    ),
    (
        "unknown-prevention-step",
        [('"last_chance_considered",\n]', '"last_chance_considred",\n]')],
        ["decisions.eviction.prevention_steps[4]: unknown prevention step 'last_chance_considred'"],
    ),
    (
        "voter-receives-nothing",
        [
            (
                'voters = ["signaller", "crisis_team"]',
                'voters = ["signaller", "crisis_team", "welfare"]',
            )
        ],
        [
            "decisions.eviction.voters[2]: role 'welfare' must vote but receives nothing under "
            "purpose 'eviction_decision'"
        ],
    ),
    (
        "missing-english-name",
        [('name.en = "Debt coach"\n', "")],
        ["roles.debt_coach.name.en: missing required key"],
    ),
    (
        "sla-days-zero",
        [("first_contact_days = 10", "first_contact_days = 0")],
        ["purposes.early_signalling.ladder[0].first_contact_days: must be at least 1 day, got 0"],
    ),
    (
        "statutory-basis-without-law",
        [('reference = "Wet gemeentelijke schuldhulpverlening, art. 4"\n', "")],
        ["legal_bases.wgs_help.reference: missing required key (a statutory basis names its law)"],
    ),
    (
        "duplicate-role-of-partner",
        [('roles = ["signaller"]', 'roles = ["signaller", "signaller"]')],
        ["partners.corporatie.roles[1]: role 'signaller' appears twice"],
    ),
    (
        "unsupported-format",
        [("format = 1\n", "format = 2\n")],
        ["format: unsupported format 2 (this portal reads 1)"],
    ),
    (
        "name-not-per-language",
        [('name.nl = "Ontruiming"\nname.en = "Eviction"', 'name = "Ontruiming"')],
        ['decisions.eviction.name: expected a table of languages, e.g. { nl = "…", en = "…" }'],
    ),
    (
        "unknown-decision-effect",
        [('effect = "assignment"', 'effect = "evict"')],
        [
            "decisions.eviction.effect: must be one of 'assignment', 'trajectory', 'record', "
            "got 'evict'"
        ],
    ),
    (
        "trajectory-without-minimum",
        [("min_months = 24\n", "")],
        [
            "decisions.last_chance.min_months: missing required key "
            "(a trajectory has a minimum length)"
        ],
    ),
    (
        "trajectory-minimum-zero",
        [("min_months = 24", "min_months = 0")],
        ["decisions.last_chance.min_months: must be at least 1 month, got 0"],
    ),
    (
        "minimum-on-an-assignment",
        [('effect = "assignment"', 'effect = "assignment"\nmin_months = 3')],
        ["decisions.eviction.min_months: only a decision with effect 'trajectory' has one"],
    ),
    (
        "own-alternative",
        [('alternatives = ["last_chance",', 'alternatives = ["eviction",')],
        ["decisions.eviction.alternatives[0]: a decision cannot be its own alternative"],
    ),
    (
        "alternative-not-a-trajectory",
        [
            ('effect = "trajectory"\nmin_months = 24', 'effect = "record"'),
        ],
        [
            "decisions.eviction.alternatives[0]: decision 'last_chance' is not a trajectory "
            "(effect = 'trajectory')"
        ],
    ),
    (
        "unknown-evidence-kind",
        [('evidence = ["referrals"]\n', 'evidence = ["rumours"]\n')],
        ["prevention_steps.debt_help_offered.evidence[0]: unknown evidence kind 'rumours'"],
    ),
    (
        "crisis-response-not-boolean",
        [("crisis_response = true", 'crisis_response = "yes"')],
        ["roles.crisis_team.crisis_response: expected true or false, got a string"],
    ),
    (
        "signalling-below-the-law",
        [
            ('purpose = "early_signalling"\nmin', 'purpose = "signals"\nmin'),
            ("min_days_overdue = 30", "min_days_overdue = 14"),
            ("crisis_working_days = 3", "crisis_working_days = 0"),
        ],
        [
            "signalling.purpose: unknown purpose 'signals'",
            "signalling.min_days_overdue: must be at least 30 days, got 14",
            "signalling.crisis_working_days: must be at least 1 working days, got 0",
        ],
    ),
    (
        "third-party-category-shared",
        [
            (
                "[purposes.nuisance_approach.sharing.police]\n",
                '[purposes.nuisance_approach.sharing.police]\nreporter = "landlord_duty"\n',
            )
        ],
        [
            "purposes.nuisance_approach.sharing.police.reporter: category 'reporter' holds "
            "third parties' data (third_party = true) and is shared with no one"
        ],
    ),
    (
        "third-party-not-a-boolean",
        [("730\nthird_party = true", '730\nthird_party = "yes"')],
        ["categories.reporter.third_party: expected true or false, got a string"],
    ),
    (
        "signalling-unknown-key",
        [("decision_weeks = 8", "decision_weeks = 8\nmax_amount_euro = 9")],
        ["signalling.max_amount_euro: unknown key"],
    ),
    (
        "shelter-hand-over-of-a-trajectory",
        [("min_months = 24\n", 'min_months = 24\nshelter_handover = "shelter"\n')],
        [
            "decisions.last_chance.shelter_handover: only a decision with effect 'assignment' "
            "has one"
        ],
    ),
    (
        "shelter-hand-over-without-a-ladder",
        [('shelter_handover = "shelter"', 'shelter_handover = "emergency_access"')],
        [
            "decisions.eviction.shelter_handover: purpose 'emergency_access' has no ladder: "
            "nobody to hand the household over to"
        ],
    ),
    (
        "bailiff-rule-without-a-hand-over",
        [('shelter_handover = "shelter"\n', "")],
        [
            "decisions.eviction.shelter_before_bailiff_if_minors: needs shelter_handover: the "
            "purpose of the hand-over it waits for"
        ],
    ),
    (
        "bailiff-rule-not-boolean",
        [("shelter_before_bailiff_if_minors = true", 'shelter_before_bailiff_if_minors = "ja"')],
        [
            "decisions.eviction.shelter_before_bailiff_if_minors: expected true or false, "
            "got a string"
        ],
    ),
]


@pytest.mark.parametrize(("edits", "expected"), [pytest.param(e, x, id=i) for i, e, x in BROKEN])
def test_broken_covenant_is_refused_with_precise_messages(demo_text, edits, expected):
    text = demo_text
    for old, new in edits:
        text = _edit(text, old, new)
    with pytest.raises(CovenantFileError) as caught:
        parse(text, known_slugs=DEMO_SLUGS)
    assert [str(p) for p in caught.value.problems] == expected


def test_duplicate_purpose_is_named_with_its_line(demo_text):
    text = demo_text + '\n[purposes.debt_help]\nname.nl = "Nog eens"\n'
    line = text.count("\n", 0, text.rindex("[purposes.debt_help]")) + 1
    with pytest.raises(CovenantFileError) as caught:
        parse(text, known_slugs=DEMO_SLUGS)
    assert [str(p) for p in caught.value.problems] == [
        f"purposes.debt_help: declared twice (line {line})"
    ]


def test_duplicate_key_is_named_with_its_table(demo_text):
    text = _edit(demo_text, "retention_days = 365", "retention_days = 365\nretention_days = 400")
    with pytest.raises(CovenantFileError) as caught:
        parse(text)
    [problem] = caught.value.problems
    assert problem.path == "categories.contact.retention_days"
    assert problem.message.startswith("declared twice (line ")


def test_toml_syntax_error_names_the_line(demo_text):
    text = _edit(demo_text, 'region = "Regio Demostad"', 'region = "Regio Demostad')
    line = text[: text.index('region = "Regio')].count("\n") + 1
    with pytest.raises(CovenantFileError) as caught:
        parse(text)
    [problem] = caught.value.problems
    assert problem.path == f"line {line}"
    assert problem.message.startswith("not valid TOML: ")


def test_all_errors_are_listed_not_just_the_first(demo_text):
    text = demo_text
    for _id, edits, _expected in BROKEN[:4] + BROKEN[8:10]:
        for old, new in edits:
            text = _edit(text, old, new)
    with pytest.raises(CovenantFileError) as caught:
        parse(text, known_slugs=DEMO_SLUGS)
    listed = [str(p) for p in caught.value.problems]
    for _id, _edits, expected in BROKEN[:4] + BROKEN[8:10]:
        for message in expected:
            assert message in listed
    assert len(listed) == sum(len(x) for _i, _e, x in BROKEN[:4] + BROKEN[8:10])


def test_missing_sections_are_named():
    with pytest.raises(CovenantFileError) as caught:
        parse("format = 1\n")
    assert [str(p) for p in caught.value.problems] == [
        "covenant: missing required key",
        "roles: missing required key",
        "partners: missing required key",
        "categories: missing required key",
        "legal_bases: missing required key",
        "purposes: missing required key",
    ]


def test_partner_check_is_skipped_without_a_database(demo_text):
    text = _edit(demo_text, "[partners.zorg]", "[partners.zorggroep]")
    assert parse(text, known_slugs=None).document["partners"]["zorggroep"]["roles"] == ["care"]


def test_missing_tenant_language_is_a_warning_not_an_error(demo_text):
    text = _edit(demo_text, 'name.tr = "Kimlik"\n', "")
    parsed = parse(text, known_slugs=DEMO_SLUGS)
    assert [str(w) for w in parsed.warnings] == [
        "categories.identity.name: no 'tr' text; tenants reading 'tr' see Dutch"
    ]


def _problems(text: str, slugs) -> list:
    """Parse; a refusal must name at least one problem. Anything else raised is a bug."""
    try:
        parse(text, known_slugs=slugs)
    except CovenantFileError as exc:
        problems = exc.problems
    else:
        return []
    assert problems
    return problems


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=400),
        # Structurally plausible TOML: tables and keys the checker knows, with odd values.
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "",
                        "[covenant]",
                        "[roles.x]",
                        "[partners.a]",
                        "[purposes.p]",
                        "[purposes.p.sharing.x]",
                        "[[purposes.p.ladder]]",
                        "[decisions.d]",
                    ]
                ),
                st.sampled_from(
                    [
                        "format",
                        "region",
                        "name",
                        "roles",
                        "role",
                        "kind",
                        "voters",
                        "veto",
                        "rule",
                        "sharing",
                        "ladder",
                        "retention_days",
                        "identity",
                    ]
                ),
                st.sampled_from(["1", '"x"', "[]", '["x", 1]', "{}", "true", "2026-01-01"]),
            ),
            max_size=12,
        ).map(lambda rows: "\n".join(f"{t}\n{k} = {v}" for t, k, v in rows)),
    )
)
def test_any_text_is_either_a_covenant_or_a_list_of_problems(text):
    assert all(str(p) for p in _problems(text, None))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_damaging_any_line_never_crashes_the_checker(data):
    """Delete a line of the demo covenant, or give its key a value of another type."""
    lines = DEMO_COVENANT.read_text(encoding="utf-8").splitlines()
    index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    if data.draw(st.booleans()) and "=" in lines[index]:
        key = lines[index].split("=", 1)[0]
        value = data.draw(st.sampled_from(["0", "-3", '""', '"x"', "[]", '["x"]', "{}", "true"]))
        lines[index] = f"{key}= {value}"
    else:
        del lines[index]
    _problems("\n".join(lines), DEMO_SLUGS)


@pytest.mark.parametrize("hours", ["0", "73", '"4"'])
def test_emergency_access_lasts_hours_not_days(demo_text, hours):
    text = demo_text.replace("emergency_hours = 4", f"emergency_hours = {hours}")
    with pytest.raises(CovenantFileError) as refused:
        parse(text, known_slugs=DEMO_SLUGS)
    paths = [problem.path for problem in refused.value.problems]
    assert paths == ["purposes.emergency_access.emergency_hours"]
