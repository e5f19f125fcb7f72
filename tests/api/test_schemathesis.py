"""Schemathesis against the served OpenAPI document: generated requests, valid and invalid,
to every operation, with a token that holds every scope. No answer is a server error, and
every answer conforms to the document: its status code, media type, headers and schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import ALL, bearer
from tests.handover.conftest import refer


@pytest.fixture
def api_schema(app, session, people, make_case):
    """The document as the app serves it, and a referral addressed to the debt coach."""
    refer(session, people, make_case("corporatie", surname="Schemathesis"))
    session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize(
    "mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
def test_every_operation_conforms(api_schema, register, token, mode):
    headers = bearer(token(register("schuldhulp", ALL)))
    operations = {result.ok().label for result in api_schema.get_all_operations()}
    called: set[str] = set()

    @given(case=api_schema.as_strategy(mode, headers=headers))
    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case):
        # A schema-valid signal may still be refused: the elfproef of a BSN and the window of
        # the signal date are the file's rules, beyond what a JSON Schema can say (422).
        called.add(case.operation.label)
        domain_rules = case.operation.path == "/api/v1/signals"
        case.call_and_validate(excluded_checks=[positive_data_acceptance] if domain_rules else [])

    call()
    assert len(operations) >= 7 and called == operations
