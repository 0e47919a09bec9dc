"""What the records describe, independent of database ids: compared before and after an import or a round trip."""

from agreements.models import Actor, Arrangement, Source, Statement, StatusChange


def snapshot():
    """Everything the records describe, independent of database ids."""
    arrangements = sorted(
        (
            a.sending_state_id,
            a.receiving_country_id,
            a.status,
            a.status_since,
            a.people_transferred,
            a.people_basis,
            a.people_counted,
            a.people_reported,
            a.sources_count,
        )
        for a in Arrangement.objects.all()
    )
    changes = sorted(
        (
            c.arrangement.sending_state_id,
            c.arrangement.receiving_country_id,
            c.status,
            c.date_iso,
            c.note,
            c.people,
            c.import_ref,
            c.statement_id is not None,
            tuple(sorted(s.url for s in c.sources.all())),
            tuple((n.country_id, n.count) for n in c.nationalities.all()),
            tuple(sorted((t.source.url, t.people) for t in c.reported_totals.all())),
        )
        for c in StatusChange.objects.select_related("arrangement")
    )
    statements = sorted(
        (
            s.actor.name,
            s.sending_state_id,
            s.stance,
            s.date_iso,
            s.quote,
            s.paraphrase,
            s.import_ref,
            tuple(sorted(a.receiving_country_id for a in s.arrangements.all())),
            tuple(sorted(x.url for x in s.sources.all())),
            tuple(sorted((t.source.url, t.people) for t in s.reported_totals.all())),
        )
        for s in Statement.objects.select_related("actor")
    )
    actors = sorted((a.name, a.role, a.kind, a.country_id) for a in Actor.objects.all())
    sources = sorted(
        (s.url, s.publisher, s.origin, s.title, s.published, s.published_precision, s.kind)
        for s in Source.objects.all()
    )
    return arrangements, changes, statements, actors, sources
