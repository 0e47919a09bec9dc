"""factory_boy factories for plainly synthetic data (example.org URLs, "Actor 17", "Publisher 3")."""

from __future__ import annotations

import datetime as dt

import factory

from agreements import services
from agreements.models import Actor, Country, Source


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://example.org/report/{n}")
    normalized_url = factory.LazyAttribute(lambda o: services.normalize_url(o.url))
    publisher = factory.Sequence(lambda n: f"Publisher {n}")
    title = factory.Sequence(lambda n: f"Synthetic report {n}")
    published = dt.date(2025, 1, 1)
    kind = Source.Kind.NEWS_REPORT


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")
    role = "Spokesperson"
    kind = Actor.Kind.GOVERNMENT_OFFICIAL


def country(iso2: str) -> Country:
    return Country.objects.get(pk=iso2)


def change(
    receiving: str,
    status: str,
    day: dt.date,
    *,
    sending: str = "US",
    people: int | None = None,
    source: Source | None = None,
    note: str = "",
):
    """Record a synthetic status change through the service."""
    return services.record_status_change(
        sending_state=sending,
        receiving_country=receiving,
        status=status,
        date=day,
        sources=[source or SourceFactory()],
        people=people,
        note=note,
    )


def statement(
    actor: Actor,
    receiving: list[str],
    stance: str,
    day: dt.date,
    *,
    sending: str = "US",
    status: str | None = None,
    source: Source | None = None,
    quote: str = "Synthetic quote.",
):
    return services.log_statement(
        actor=actor,
        sending_state=sending,
        receiving_countries=receiving,
        stance=stance,
        date=day,
        quote=quote,
        sources=[source or SourceFactory()],
        status=status,
    )
