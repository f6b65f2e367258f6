"""Schemathesis over every operation of the published OpenAPI schema, as users of several roles
with write tokens, on the database under test (issue 8): no 5xx, no answer that breaks the
schema, none slower than its budget. Bounded (a few derandomised examples per operation and role)
so that it runs in the suite on both databases; a longer run is `schemathesis run` by hand."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from guanxi.core.models import ApiToken
from guanxi.wsgi import application
from tests.core.lean_client import keeping_the_test_transaction

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# No request may take longer, whatever it asks for: a guard against unbounded work (the staffing
# request that ran 120 s), not a speed figure (bench/ has those). 2 s failed on a slower 2-core
# machine (2026-11-27) for ordinary requests at 2.0-2.2 s.
BUDGET_SECONDS = 5.0
ROLES = ["agent", "dealer_sales", "analyst"]  # sees everything / one dealer / reads only


@pytest.fixture
def tokens(users, customers):
    return {role: ApiToken.issue(users[role], "fuzz", scope="write")[1] for role in ROLES}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(case, role, tokens):
    with keeping_the_test_transaction():  # the app is called as a server calls it, not through the test client
        response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    assert response.elapsed < BUDGET_SECONDS, (case.method, case.path, response.elapsed)
