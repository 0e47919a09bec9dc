"""A deterministic synthetic dataset for benchmarks and drills: plainly synthetic names and example.org URLs.

Every country; 8 sending states; 20,000 status changes; 100,000 statements; 30,000 sources; 3,000 actors (sizes
can be scaled down for quick runs). Built with bulk inserts, then each arrangement's derived state is refreshed
through the service.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

SENDING_STATES = ["US", "GB", "IT", "IL", "AU", "DE", "FR", "ES"]
START = dt.date(2020, 1, 1)
DAYS = (dt.date(2026, 10, 31) - START).days


@dataclass
class Sizes:
    status_changes: int = 20_000
    statements: int = 100_000
    sources: int = 30_000
    actors: int = 3_000


def scaled(statements: int) -> Sizes:
    """The default proportions at another number of statements (1,000 → 200 status changes, 300 sources, 30 actors;
    at least 100 sources and 30 actors)."""
    return Sizes(
        status_changes=statements // 5,
        statements=statements,
        sources=max(100, statements * 3 // 10),
        actors=max(30, statements * 3 // 100),
    )


def build(sizes: Sizes | None = None, *, seed: int = 42, log=print) -> dict[str, int]:
    """Insert the dataset into the (empty) configured database; returns the row counts."""
    from django.db import connection, transaction

    from agreements import services
    from agreements.models import Actor, Arrangement, Country, Source, Statement, StatusChange

    sizes = sizes or Sizes()
    rng = random.Random(seed)
    countries = list(Country.objects.order_by("iso2").values_list("iso2", flat=True))
    statuses = list(Arrangement.Status.values)
    stances = list(Statement.Stance.values)
    kinds = list(Actor.Kind.values)

    def day() -> dt.date:
        return START + dt.timedelta(days=rng.randrange(DAYS))

    with transaction.atomic():
        existing = {(a.sending_state_id, a.receiving_country_id) for a in Arrangement.objects.all()}
        Arrangement.objects.bulk_create(
            [
                Arrangement(sending_state_id=s, receiving_country_id=r)
                for s in SENDING_STATES
                for r in countries
                if r != s and (s, r) not in existing
            ],
            batch_size=5000,
        )
        arrangements = list(Arrangement.objects.filter(sending_state__in=SENDING_STATES).order_by("pk"))
        log(f"  {len(arrangements):,} arrangements")
        sources = [
            Source(
                url=f"https://example.org/bench/source/{i}",
                normalized_url=f"https://example.org/bench/source/{i}",
                publisher=f"Publisher {i % 200}",
                title=f"Synthetic report {i}",
                published=day(),
                kind=Source.Kind.NEWS_REPORT,
            )
            for i in range(sizes.sources)
        ]
        for source in sources:
            services.set_source_keys(source)  # the publisher's key, as every writer stores it
        Source.objects.bulk_create(sources, batch_size=5000)
        log(f"  {len(sources):,} sources")
        actors = Actor.objects.bulk_create(
            [
                Actor(
                    name=f"Actor {i}",
                    name_key=services.name_key(f"Actor {i}"),
                    slug=f"actor-{i}",
                    role="Spokesperson",
                    kind=kinds[i % len(kinds)],
                    country_id=rng.choice(countries),
                )
                for i in range(sizes.actors)
            ],
            batch_size=5000,
        )
        log(f"  {len(actors):,} actors")
        changes = StatusChange.objects.bulk_create(
            [
                StatusChange(
                    arrangement=arrangements[i % len(arrangements)],
                    status=rng.choice(statuses),
                    date=day(),
                    note=f"Synthetic status note {i}",
                    people=rng.randrange(300) if rng.random() < 0.2 else None,
                    content_key=f"bench-sc-{i}",
                )
                for i in range(sizes.status_changes)
            ],
            batch_size=5000,
        )
        StatusChange.sources.through.objects.bulk_create(
            [StatusChange.sources.through(statuschange_id=c.pk, source_id=rng.choice(sources).pk) for c in changes],
            batch_size=10000,
        )
        log(f"  {len(changes):,} status changes")
        by_sending: dict[str, list[int]] = {}
        for a in arrangements:
            by_sending.setdefault(a.sending_state_id, []).append(a.pk)
        statement_rows, links = [], []
        for i in range(sizes.statements):
            sending = SENDING_STATES[i % len(SENDING_STATES)]
            quote = f"Synthetic quote {i}" if rng.random() < 0.5 else ""
            statement_rows.append(
                Statement(
                    actor=actors[rng.randrange(len(actors))],
                    sending_state_id=sending,
                    date=day(),
                    stance=rng.choice(stances),
                    quote=quote,
                    paraphrase=f"Synthetic paraphrase {i}",
                    content_key=f"bench-st-{i}",
                )
            )
            links.append(rng.sample(by_sending[sending], rng.choice((1, 1, 1, 2))))
        statements = Statement.objects.bulk_create(statement_rows, batch_size=5000)
        Statement.arrangements.through.objects.bulk_create(
            [
                Statement.arrangements.through(statement_id=s.pk, arrangement_id=a)
                for s, chosen in zip(statements, links, strict=True)
                for a in chosen
            ],
            batch_size=10000,
        )
        Statement.sources.through.objects.bulk_create(
            [Statement.sources.through(statement_id=s.pk, source_id=rng.choice(sources).pk) for s in statements],
            batch_size=10000,
        )
        log(f"  {len(statements):,} statements")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics before the derived state is computed
        services.refresh_arrangements([a.pk for a in arrangements])
    return {
        "arrangements": len(arrangements),
        "status_changes": len(changes),
        "statements": len(statements),
        "sources": len(sources),
        "actors": len(actors),
    }
