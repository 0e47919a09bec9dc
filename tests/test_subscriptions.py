"""Follow a filter by email: double opt-in, a digest of the matching changes at most once per period even with two
workers running the job at once (threads here; real worker processes on PostgreSQL + Redis below), never to an
unconfirmed address, and a one-click unsubscribe that deletes the address."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.core import mail
from django.db import OperationalError, connection, connections

from agreements import digests, tasks
from agreements.models import DigestRun, Subscription

from .conftest import at_once
from .factories import change

pytestmark = pytest.mark.django_db(transaction=True)
ADDRESS = "reader-1@example.org"


def _path(text: str, name: str) -> str:
    match = re.search(rf"(/subscribe/{name}/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


def _subscribe(client, **data) -> object:
    return client.post("/subscribe/", {"email": ADDRESS, "frequency": "daily", **data})


def _two_at_once(target) -> list:
    def job():
        for _ in range(200):
            try:
                return target()
            except OperationalError as exc:
                # SQLite's in-memory test database (shared cache) refuses a second writer at once instead of
                # waiting as the file database's busy_timeout does: wait and run the job again, as it would.
                if connection.vendor != "sqlite" or "locked" not in str(exc):
                    raise
                connections.close_all()
                time.sleep(0.01)
        raise AssertionError("the database stayed locked")

    return at_once(job)


def test_confirm_then_exactly_one_digest_then_unsubscribe_deletes_the_address(client):
    response = _subscribe(client, query="?receiving_country=RW&page=2")
    assert response.status_code == 200
    sub = Subscription.objects.get()
    assert (sub.query, sub.confirmed_at, sub.language) == ("receiving_country=RW", None, "en")
    [confirmation] = mail.outbox
    assert confirmation.to == [ADDRESS] and "Confirm" in confirmation.subject
    assert confirmation.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _path(confirmation.extra_headers["List-Unsubscribe"], "unsubscribe") in confirmation.body

    change("RW", "negotiating", dt.date(2025, 3, 1))
    assert tasks.send_subscription_digests() == 0  # never to an unconfirmed address
    assert DigestRun.objects.count() == 0 and len(mail.outbox) == 1

    assert client.get(_path(confirmation.body, "confirm")).status_code == 200
    sub.refresh_from_db()
    assert sub.confirmed_at is not None

    change("RW", "agreed", dt.date(2025, 3, 4))
    change("GT", "agreed", dt.date(2025, 3, 4))  # another country: not in this digest
    results = _two_at_once(tasks.send_subscription_digests)
    assert sorted(results) == [0, 1]
    [digest] = mail.outbox[1:]
    assert "United States → Rwanda: Agreement reached" in digest.body and "Guatemala" not in digest.body
    assert "In negotiation" not in digest.body  # recorded before the confirmation
    assert digest.extra_headers["List-Unsubscribe"].startswith("<") and "1 new" in digest.subject
    assert DigestRun.objects.get().items == 1
    assert tasks.send_subscription_digests() == 0  # the period is used up

    link = _path(digest.body, "unsubscribe")
    assert client.get(link).status_code == 200 and Subscription.objects.count() == 1  # a GET deletes nothing
    assert client.post(link).status_code == 200
    assert not Subscription.objects.filter(email=ADDRESS).exists() and DigestRun.objects.count() == 0


def test_bad_filters_are_refused_naming_the_parameter(client):
    response = _subscribe(client, query="receiving_country=ZZ")
    assert response.status_code == 400 and "receiving_country" in response.content.decode()
    response = _subscribe(client, query="colour=blue")
    assert response.status_code == 400 and "colour: Not a filter" in response.content.decode()
    response = _subscribe(client, query="")
    assert response.status_code == 400
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_a_country_and_a_statements_filter_are_normalised():
    from django.http import QueryDict

    assert digests.normalise_query(QueryDict("country=rw")) == ("receiving_country=RW", {})
    assert digests.normalise_query(QueryDict("stance=denies&sending_state=US&sort=-date")) == (
        "sending_state=US&stance=denies",
        {},
    )


def test_subscribe_is_rate_limited_per_address(client, settings):
    settings.SUBSCRIBE_PER_ADDRESS_HOURLY = 2
    assert _subscribe(client, country="Rwanda").status_code == 200
    assert _subscribe(client, country="Ghana").status_code == 200
    refused = _subscribe(client, country="Eswatini")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert Subscription.objects.count() == 2 and len(mail.outbox) == 2


def test_tokens_are_signed(client):
    _subscribe(client, country="RW")
    assert client.get("/subscribe/confirm/forged-token/").status_code == 404
    assert client.post("/subscribe/unsubscribe/forged-token/").status_code == 404
    assert Subscription.objects.get().confirmed_at is None


def test_the_digest_is_rendered_in_the_subscribers_language(client):
    from django.utils import translation

    _subscribe(client, country="RW")
    sub = Subscription.objects.get()
    Subscription.objects.filter(pk=sub.pk).update(language="es", confirmed_at=sub.created_at)
    change("RW", "agreed", dt.date(2025, 3, 4))
    assert digests.send_digests() == 1
    body = mail.outbox[-1].body
    # Every word of it: the items (kind, countries, status, date) as well as the subject and the introduction.
    assert "4 de marzo de 2025 · Cambio de situación: Estados Unidos → Ruanda: Acuerdo alcanzado" in body
    assert re.search(r"Registrad[oa]s? entre \d+ [a-z]+ \d{4} \d\d:\d\d y ", body), body
    assert "Status change" not in body and "United States" not in body
    assert translation.get_language() != "es"  # and the language is restored afterwards


def test_a_digest_that_could_not_be_sent_is_sent_by_the_next_run(client, monkeypatch):
    from smtplib import SMTPException

    from django.core.mail.backends.locmem import EmailBackend

    for n, country in enumerate(("RW", "GH")):
        client.post("/subscribe/", {"email": f"reader-{n + 2}@example.org", "frequency": "daily", "country": country})
    Subscription.objects.update(confirmed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    change("RW", "agreed", dt.date(2025, 3, 4))
    change("GH", "agreed", dt.date(2025, 3, 5))
    mail.outbox.clear()
    original = EmailBackend.send_messages

    def refuse_rwanda(self, messages):
        if any("receiving_country=RW" in m.subject for m in messages):
            raise SMTPException("synthetic: the mail server refused")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_rwanda)
    assert digests.send_digests() == 1  # Ghana's reader still gets theirs
    assert [m.to for m in mail.outbox] == [["reader-3@example.org"]]
    assert DigestRun.objects.filter(sent_at__isnull=False).count() == 1 and DigestRun.objects.count() == 1
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    assert digests.send_digests() == 1  # the same period, claimed again: Rwanda's change is not lost
    assert mail.outbox[-1].to == ["reader-2@example.org"] and "Rwanda: Agreement reached" in mail.outbox[-1].body


# -- the real thing: two worker processes on Redis and PostgreSQL ---------------------------------------------------

from .test_celery_worker import broker, workers  # noqa: E402, F401 - fixtures


def test_two_real_workers_send_one_digest(workers, client):  # noqa: F811 - the imported fixture
    _subscribe(client, country="RW")
    sub = Subscription.objects.get()
    client.get(_path(mail.outbox[0].body, "confirm"))
    change("RW", "agreed", dt.date(2025, 3, 4))
    first, second = workers("digest-a"), workers("digest-b")
    tasks.send_subscription_digests.delay()
    tasks.send_subscription_digests.delay()
    deadline = time.time() + 60
    while time.time() < deadline:
        logs = first.text() + second.text()
        if logs.count("agreements.tasks.send_subscription_digests") >= 4 and logs.count("succeeded") >= 2:
            break
        time.sleep(0.2)
    logs = first.text() + second.text()
    assert logs.count("succeeded") >= 2, logs[-3000:]
    run = DigestRun.objects.get(subscription=sub)
    assert run.items == 1 and run.sent_at is not None
    assert logs.count("Subject: [Third-Country Tracker] 1 new") == 1
    assert "United States → Rwanda: Agreement reached" in logs


def test_the_lists_and_country_pages_link_to_following_their_filter(client):
    page = client.get("/status-changes/?receiving_country=RW&sort=-date").content.decode()
    assert 'href="/subscribe/?receiving_country=RW&amp;sort=-date"' in page
    assert 'href="/subscribe/?receiving_country=RW"' in client.get("/countries/RW/").content.decode()
    form = client.get("/subscribe/?receiving_country=RW&sort=-date")
    assert 'value="receiving_country=RW&amp;sort=-date"' in form.content.decode()
    assert "no-store" in form["Cache-Control"] or "no-cache" in form["Cache-Control"]
