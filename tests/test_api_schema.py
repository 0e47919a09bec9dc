"""Property-based runs of the OpenAPI schema against a live server (schemathesis): no 5xx, and every response as the
schema documents it (status, content type, headers, body). The reads run anonymously; the writes (POST
/api/v1/statements/ and /api/v1/status-changes/) run as a logged-in editor, with data the schema allows and data it
does not (which must be refused), and anonymously (always 403). Sized for a 2-core machine: tens of examples per
operation. Each run prints one line for the CI log: "schemathesis: N operations x M examples, 0 server errors"."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from django.contrib.auth.models import Group
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agreements.models import Statement, StatusChange

pytestmark = pytest.mark.django_db(transaction=True)
READ_EXAMPLES = 30
WRITE_EXAMPLES = 40
# No 5xx, and every response (status, content type, headers, body) as the schema documents it.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
READS = {
    "/api/v1/arrangements/",
    "/api/v1/statements/",
    "/api/v1/status-changes/",
    "/api/v1/sources/",
    "/api/v1/actors/",
    "/api/v1/countries/",
    "/api/v1/map/",
    "/api/v1/changes/",
}
WRITES = {"/api/v1/statements/", "/api/v1/status-changes/"}


@dataclass
class Tally:
    """What one run sent and got: the operations, examples asked per operation, requests and status codes."""

    name: str
    operations: set[str] = field(default_factory=set)
    examples: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def line(self) -> str:
        codes = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"schemathesis: {self.name}: {len(self.operations)} operations x {self.examples} examples "
            f"({self.requests} requests: {codes}), {self.server_errors} server errors"
        )


def _named_publisher(case):
    """The case with a publisher for its source, where it gave a source object without one: a new source needs
    its publisher, and without one nearly every generated write would stop at that check instead of going on to
    the service (where the records are written, and where a 5xx would hide)."""
    source = case.body.get("source") if isinstance(case.body, dict) else None
    if isinstance(source, dict) and not source.get("publisher"):
        source["publisher"] = "Publisher 1 (synthetic)"
    return case


def fuzz(operation, tally: Tally, *, examples: int, session=None, mode=GenerationMode.POSITIVE, checks=CHECKS):
    """Run `examples` generated cases of one operation, counting every answer before checking it. Writes in the
    positive mode: half the cases as generated, half with a publisher named (see _named_publisher)."""
    strategy = operation.as_strategy(generation_mode=mode)
    if operation.method.upper() == "POST" and mode == GenerationMode.POSITIVE:
        strategy = strategy | strategy.map(_named_publisher)

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        response = case.call(session=session)
        tally.requests += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=checks)

    run()
    tally.operations.add(f"{operation.method.upper()} {operation.path}")


def operations(live_server, method: str, paths: set[str]):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    # No generated credentials (a random session cookie or Basic header): who is asking is the run's choice.
    schema.config.generation.update(with_security_parameters=False)
    found = [r.ok() for r in schema.get_all_operations()]
    chosen = [op for op in found if op.method.upper() == method and op.path in paths]
    assert {op.path for op in chosen} == paths
    return chosen


def report(capsys, tally: Tally) -> None:
    """One line in the CI log (past pytest's capture), and the assertion it states."""
    with capsys.disabled():
        print("\n" + tally.line())
    assert tally.server_errors == 0


def editor_session(django_user_model) -> requests.Session:
    """A requests session logged in as an editor: the session cookie Django's test client makes, and a CSRF token
    in the cookie and the header, as a browser page's script would send them."""
    user = django_user_model.objects.create_user("editor-schemathesis")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)  # 32 characters: the form of an unmasked CSRF secret
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.cookies.set("csrftoken", token)
    session.headers["X-CSRFToken"] = token
    # One connection per request, as schemathesis makes them: a kept-alive one would hold the live server's
    # request thread, and its database connection, open past the end of the test.
    session.headers["Connection"] = "close"
    return session


def test_read_api_conforms_to_its_schema(live_server, live_seed, capsys):
    tally = Tally("reads, anonymous", examples=READ_EXAMPLES)
    for operation in operations(live_server, "GET", READS):
        fuzz(operation, tally, examples=READ_EXAMPLES)
    report(capsys, tally)


def test_write_api_as_an_editor_conforms_to_its_schema(live_server, live_seed, django_user_model, capsys):
    session = editor_session(django_user_model)
    before = Statement.objects.count() + StatusChange.objects.count()
    tally = Tally("writes, editor", examples=WRITE_EXAMPLES + WRITE_EXAMPLES // 2)
    for operation in operations(live_server, "POST", WRITES):
        fuzz(operation, tally, examples=WRITE_EXAMPLES, session=session)
        # Data the schema does not allow (a missing field, a wrong type, a number past its maximum).
        fuzz(operation, tally, examples=WRITE_EXAMPLES // 2, session=session, mode=GenerationMode.NEGATIVE)
    report(capsys, tally)
    assert 403 not in tally.statuses  # every request was the editor's
    # The fuzz reached the services (about one positive case in seven is a write that succeeds).
    assert tally.statuses.get(201, 0) > 0
    assert Statement.objects.count() + StatusChange.objects.count() > before


def test_write_api_as_anonymous_is_always_refused(live_server, live_seed, capsys):
    before = Statement.objects.count(), StatusChange.objects.count()
    tally = Tally("writes, anonymous", examples=WRITE_EXAMPLES // 2)
    for operation in operations(live_server, "POST", WRITES):
        fuzz(operation, tally, examples=WRITE_EXAMPLES // 2)
    report(capsys, tally)
    assert set(tally.statuses) == {403}
    assert (Statement.objects.count(), StatusChange.objects.count()) == before
