"""Names in every script, and the origin of a source.

Actors are identified by a stored name key (services.checks.name_key: case-folded for every alphabet, whitespace
collapsed) instead of SQLite's ASCII-only lower(); sources gain `origin` (the outlet whose reporting a copy
carries) and the keys of their publisher and independent origin. The data step fills the keys; actors whose names
share a key are by this rule the same actor, so their statements move to the oldest of them and the others go
(listed on the console). Stored publisher counts follow the new rule on the next write of each arrangement, or at
once with `manage.py refresh_derived` (which `make run` runs).
"""

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    from agreements.services.checks import name_key

    Actor, Source, Statement = (apps.get_model("agreements", name) for name in ("Actor", "Source", "Statement"))
    survivors: dict[str, object] = {}
    merged = []
    for actor in Actor.objects.order_by("pk"):
        actor.name_key = name_key(actor.name)
        survivor = survivors.setdefault(actor.name_key, actor)
        if survivor is not actor:
            Statement.objects.filter(actor=actor).update(actor=survivor)
            merged.append((actor.pk, actor.name, survivor.pk, survivor.name))
    Actor.objects.filter(pk__in=[pk for pk, *_ in merged]).delete()
    Actor.objects.bulk_update(survivors.values(), ["name_key"], batch_size=500)
    sources = list(Source.objects.all())
    for source in sources:
        source.publisher_key = source.origin_key = name_key(source.publisher)
    Source.objects.bulk_update(sources, ["publisher_key", "origin_key"], batch_size=500)
    for pk, name, into_pk, into_name in merged:
        print(f"\n  actor {pk} {name!r} merged into actor {into_pk} {into_name!r} (the same name key)", end="")
    if schema_editor.connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks now, so the constraint below can be added in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0008_pending_task'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='actor',
            name='agreements_actor_name_unique_ci',
        ),
        migrations.AddField(
            model_name='actor',
            name='name_key',
            field=models.CharField(default='', editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalactor',
            name='name_key',
            field=models.CharField(default='', editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='origin',
            field=models.CharField(blank=True, help_text='The outlet whose reporting it carries, when it is a copy, wire story, summary or mirror (e.g. "Reuters" for a Reuters story read in Dawn); empty when the publisher did its own reporting.', max_length=200),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='origin_key',
            field=models.CharField(default='', editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='publisher_key',
            field=models.CharField(default='', editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='source',
            name='origin',
            field=models.CharField(blank=True, help_text='The outlet whose reporting it carries, when it is a copy, wire story, summary or mirror (e.g. "Reuters" for a Reuters story read in Dawn); empty when the publisher did its own reporting.', max_length=200),
        ),
        migrations.AddField(
            model_name='source',
            name='origin_key',
            field=models.CharField(default='', editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='source',
            name='publisher_key',
            field=models.CharField(default='', editable=False, max_length=200),
        ),
        migrations.AlterField(
            model_name='arrangement',
            name='sources_count',
            field=models.PositiveIntegerField(default=0, editable=False, help_text='Independent publishers backing the current status: distinct origins (a source without one counts as its publisher).'),
        ),
        migrations.AlterField(
            model_name='historicalarrangement',
            name='sources_count',
            field=models.PositiveIntegerField(default=0, editable=False, help_text='Independent publishers backing the current status: distinct origins (a source without one counts as its publisher).'),
        ),
        migrations.AlterField(
            model_name='historicalsource',
            name='publisher',
            field=models.CharField(help_text='The outlet or site where it was read.', max_length=200),
        ),
        migrations.AlterField(
            model_name='source',
            name='publisher',
            field=models.CharField(help_text='The outlet or site where it was read.', max_length=200),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='actor',
            constraint=models.UniqueConstraint(fields=('name_key',), name='agreements_actor_name_key_unique'),
        ),
    ]
