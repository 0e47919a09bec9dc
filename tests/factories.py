"""factory_boy factories for plainly synthetic data (example.org URLs, "Actor 17", "Publisher 3")."""

from __future__ import annotations

import datetime as dt

import factory

from agreements import services
from agreements.importers import COLUMNS, TRANSFER_COLUMNS
from agreements.models import Actor, Country, Source

# The records CSV header without the optional transfer columns (a file without them imports as before): the
# synthetic rows of the tests give the cells of these columns.
RECORD_HEADER = ",".join(c for c in COLUMNS if c not in TRANSFER_COLUMNS)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://example.org/report/{n}")
    normalized_url = factory.LazyAttribute(lambda o: services.normalize_url(o.url))
    publisher = factory.Sequence(lambda n: f"Publisher {n}")
    origin = ""
    publisher_key = factory.LazyAttribute(lambda o: services.name_key(o.publisher))
    origin_key = factory.LazyAttribute(lambda o: services.name_key(o.origin) or o.publisher_key)
    title = factory.Sequence(lambda n: f"Synthetic report {n}")
    published = dt.date(2025, 1, 1)
    kind = Source.Kind.NEWS_REPORT


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    name_key = factory.LazyAttribute(lambda o: services.name_key(o.name))
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
    precision: str = "day",
    nationalities=(),
    people_total: int | None = None,
):
    """Record a synthetic status change through the service."""
    return services.record_status_change(
        sending_state=sending,
        receiving_country=receiving,
        status=status,
        date=day,
        precision=precision,
        sources=[source or SourceFactory()],
        people=people,
        note=note,
        nationalities=nationalities,
        people_total=people_total,
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


def every_pair_overdue(limit: int, at: dt.datetime) -> int:
    """Up to `limit` synthetic arrangements over the ordered pairs of countries (250 x 249 = 62,250 at most), each
    "reported" with its staleness deadline at `at` — already passed for flag_stale. Replaces every arrangement."""
    from agreements.models import Arrangement

    Arrangement.objects.all().delete()
    codes = list(Country.objects.order_by("iso2").values_list("iso2", flat=True))
    pairs = [(s, r) for s in codes for r in codes if s != r][:limit]
    Arrangement.objects.bulk_create(
        [
            Arrangement(
                sending_state_id=s,
                receiving_country_id=r,
                status="reported",
                stale_after=at,
                last_confirmed_at=at - dt.timedelta(days=30),
            )
            for s, r in pairs
        ],
        batch_size=10_000,
    )
    return len(pairs)


SENDING_STATES = ["US", "GB", "IT", "IL", "AU", "DE", "FR", "ES", "NL"]


def bulk_arrangements(total: int, *, statements_per_arrangement: int = 1) -> list[int]:
    """`total` synthetic arrangements, each with a status change, a statement and a source (bulk, for scale tests).

    Statuses cycle through the taxonomy; sources are example.org; actors are "Actor N".
    """
    from agreements.models import Arrangement, Statement, StatusChange

    countries = list(Country.objects.order_by("iso2").values_list("iso2", flat=True))
    pairs = [(s, r) for s in SENDING_STATES for r in countries if r != s]
    existing = set(Arrangement.objects.values_list("sending_state_id", "receiving_country_id"))
    pairs = [p for p in pairs if p not in existing][:total]
    arrangements = Arrangement.objects.bulk_create(
        [Arrangement(sending_state_id=s, receiving_country_id=r) for s, r in pairs]
    )
    start = Source.objects.count()
    sources = [
        Source(
            url=f"https://example.org/bulk/{start + i}",
            normalized_url=f"https://example.org/bulk/{start + i}",
            publisher=f"Publisher {i % 40}",
            published=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
        )
        for i in range(len(arrangements))
    ]
    for source in sources:
        services.set_source_keys(source)
    Source.objects.bulk_create(sources)
    statuses = list(Arrangement.Status.values)
    changes = StatusChange.objects.bulk_create(
        [
            StatusChange(
                arrangement=a,
                status=statuses[i % len(statuses)],
                date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
                content_key=f"bulk-{a.pk}",
                people=(i % 50) if statuses[i % len(statuses)] == "implemented" else None,
            )
            for i, a in enumerate(arrangements)
        ]
    )
    StatusChange.sources.through.objects.bulk_create(
        [
            StatusChange.sources.through(statuschange_id=c.pk, source_id=s.pk)
            for c, s in zip(changes, sources, strict=True)
        ]
    )
    first = Actor.objects.count()
    actors = synthetic_actors([(f"Bulk actor {first + i}", f"bulk-actor-{first + i}") for i in range(20)])
    statements = Statement.objects.bulk_create(
        [
            Statement(
                actor=actors[i % len(actors)],
                sending_state_id=a.sending_state_id,
                stance="denies",
                date=dt.date(2025, 2, 1),
                paraphrase=f"Synthetic paraphrase {i}",
                content_key=f"bulk-st-{i}",
            )
            for i, a in enumerate(arrangements)
            for _ in range(statements_per_arrangement)
        ]
    )
    per = statements_per_arrangement
    Statement.arrangements.through.objects.bulk_create(
        [
            Statement.arrangements.through(statement_id=st.pk, arrangement_id=arrangements[i // per].pk)
            for i, st in enumerate(statements)
        ]
    )
    Statement.sources.through.objects.bulk_create(
        [
            Statement.sources.through(statement_id=st.pk, source_id=sources[i // per].pk)
            for i, st in enumerate(statements)
        ]
    )
    ids = [a.pk for a in arrangements]
    _analyze()
    services.refresh_arrangements(ids)
    return ids


def bulk_transfers(total: int, *, sending: str = "US") -> int:
    """`total` synthetic transfers of `sending` (status changes with people, each naming one or two nationalities
    with counts; every tenth also reports a cumulative total), spread over receiving countries that have no
    arrangement with it yet: for scale tests of the flow picture, the transfers API and the lists."""
    from agreements.models import Arrangement, ReportedTotal, StatusChange, TransferNationality

    codes = list(Country.objects.exclude(pk=sending).order_by("iso2").values_list("iso2", flat=True))
    taken = set(Arrangement.objects.filter(sending_state=sending).values_list("receiving_country_id", flat=True))
    receivers = [c for c in codes if c not in taken][:40]
    arrangements = Arrangement.objects.bulk_create(
        [Arrangement(sending_state_id=sending, receiving_country_id=r) for r in receivers]
    )
    start = Source.objects.count()
    sources = Source.objects.bulk_create(
        [
            Source(
                url=f"https://example.org/transfers/{start + i}",
                normalized_url=f"https://example.org/transfers/{start + i}",
                publisher=f"Publisher {i % 7}",
                publisher_key=f"publisher {i % 7}",
                origin_key=f"publisher {i % 7}",
                published=dt.date(2025, 1, 1),
            )
            for i in range(len(arrangements))
        ]
    )
    changes = StatusChange.objects.bulk_create(
        [
            StatusChange(
                arrangement=arrangements[i % len(arrangements)],
                status="implemented",
                date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
                people=10 + i % 20,
                note=f"Synthetic transfer {i}",
                content_key=f"bulk-transfer-{start}-{i}",
            )
            for i in range(total)
        ],
        batch_size=1000,
    )
    StatusChange.sources.through.objects.bulk_create(
        [
            StatusChange.sources.through(statuschange_id=c.pk, source_id=sources[i % len(sources)].pk)
            for i, c in enumerate(changes)
        ],
        batch_size=1000,
    )
    TransferNationality.objects.bulk_create(
        [
            TransferNationality(status_change=c, country_id=codes[(i + k * 7) % len(codes)], count=(i % 5) or None)
            for i, c in enumerate(changes)
            for k in range(1 + i % 2)
        ],
        batch_size=1000,
    )
    ReportedTotal.objects.bulk_create(
        [
            ReportedTotal(arrangement_id=c.arrangement_id, status_change=c, source=sources[i % len(sources)], people=i)
            for i, c in enumerate(changes)
            if i % 10 == 0
        ],
        batch_size=1000,
    )
    _analyze()
    services.refresh_arrangements(a.pk for a in arrangements)
    return len(changes)


def _analyze() -> None:
    """Planner statistics after a bulk load, as autovacuum would gather them on a live PostgreSQL database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bulk_statements(total: int) -> None:
    """`total` synthetic statements spread over a few arrangements, actors and stances (for export tests)."""
    from agreements.models import Arrangement, Statement

    arrangement_ids = list(Arrangement.objects.values_list("pk", flat=True)[:5]) or bulk_arrangements(5)
    actors = synthetic_actors([(f"Export actor {i}", f"export-actor-{i}-{total}") for i in range(10)])
    source = SourceFactory()
    stances = list(Statement.Stance.values)
    statements = Statement.objects.bulk_create(
        [
            Statement(
                actor=actors[i % 10],
                sending_state_id="US",
                stance=stances[i % len(stances)],
                date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 365),
                quote=f"Synthetic quote {i}, with comma",
                content_key=f"export-{total}-{i}",
            )
            for i in range(total)
        ],
        batch_size=2000,
    )
    Statement.arrangements.through.objects.bulk_create(
        [
            Statement.arrangements.through(statement_id=s.pk, arrangement_id=arrangement_ids[i % len(arrangement_ids)])
            for i, s in enumerate(statements)
        ],
        batch_size=2000,
    )
    Statement.sources.through.objects.bulk_create(
        [Statement.sources.through(statement_id=s.pk, source_id=source.pk) for s in statements], batch_size=2000
    )


def bulk_actors(total: int) -> None:
    first = Actor.objects.count()
    synthetic_actors(
        [(f"Listed actor {first + i}", f"listed-actor-{first + i}") for i in range(total)], Actor.Kind.EXPERT
    )


def synthetic_actors(names_and_slugs: list[tuple[str, str]], kind: str = Actor.Kind.EMBASSY) -> list[Actor]:
    """Synthetic actors inserted in bulk, each with its name key (services.name_key, as every writer stores it)."""
    return Actor.objects.bulk_create(
        [Actor(name=name, name_key=services.name_key(name), slug=slug, kind=kind) for name, slug in names_and_slugs]
    )


def database_snapshot() -> tuple:
    """Everything a write could leave behind: the rows (retracted ones too) and history entries of every model, and
    each arrangement's stored state. Equal before and after a refused request means nothing was written."""

    from agreements.models import Arrangement, Statement, StatusChange, Term, Verification

    counts = [
        model._base_manager.count()
        for model in (Arrangement, Statement, StatusChange, Source, Actor, Term, Verification)
    ]
    history = [
        model.history.model.objects.count() for model in (Arrangement, Statement, StatusChange, Source, Actor, Term)
    ]
    state = list(
        Arrangement.objects.order_by("pk").values_list(
            "status", "people_transferred", "stale_after", "last_confirmed_at", "disputed", "sources_count"
        )
    )
    return counts, history, state
