"""Property-based run of the OpenAPI schema against a live server (schemathesis): no 5xx, and every response as
the schema documents it. Read operations only; writes are covered by tests/test_api_writes.py."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLES = 30
# No 5xx, and every response (status, content type, headers, body) as the schema documents it.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_read_api_conforms_to_its_schema(live_server, live_seed):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET":
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(checks=CHECKS)

        run()
        checked.append(operation.label)
    assert {label.split()[1] for label in checked} == {
        "/api/v1/arrangements/",
        "/api/v1/statements/",
        "/api/v1/status-changes/",
        "/api/v1/sources/",
        "/api/v1/actors/",
        "/api/v1/countries/",
        "/api/v1/map/",
        "/api/v1/changes/",
    }
    print(f"\nschemathesis: {len(checked)} read operations, up to {EXAMPLES} examples each: {checked}")
