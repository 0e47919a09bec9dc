"""Load the reference countries (fixtures/countries.json), so that `migrate` alone gives a usable database."""

from django.db import migrations


def load(apps, schema_editor):
    from agreements.reference import load_countries

    load_countries(apps.get_model("agreements", "Country"))


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
