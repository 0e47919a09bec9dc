"""Names in every script (actors, publishers and origins match in any case, in every alphabet, on both databases),
the origin of a source ("Reuters, via Dawn"), and independence: distinct origins back a status."""

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from agreements import services
from agreements.importers import COLUMNS, import_records
from agreements.models import Actor, Arrangement, Source

from .factories import RECORD_HEADER, ActorFactory, SourceFactory, change
from .snapshots import snapshot

pytestmark = pytest.mark.django_db

HEADER = RECORD_HEADER
# Synthetic rows (example.org sources) naming people in several scripts; "Frank Ábrego" is a name from the record.
NAMES = [
    "statement,US,PA,2025-02-20,,,,Frank Ábrego,Minister,government_official,PA,confirms,Synthetic quote 1.,"
    "https://example.org/names/1,Ziarul de Gardă,,Synthetic 1,2025-02-20,news_report,",
    "statement,US,PA,2025-02-21,,,,FRANK ÁBREGO,Minister,government_official,PA,confirms,Synthetic quote 2.,"
    "https://example.org/names/2,ZIARUL DE GARDĂ,,Synthetic 2,2025-02-21,news_report,",
    "statement,US,MD,2025-02-22,,,,Αθανάσιος Σωκράτης,,expert,,commentary,Synthetic quote 3.,"
    "https://example.org/names/3,Καθημερινή,,Synthetic 3,2025-02-22,news_report,",
    "statement,US,MD,2025-02-23,,,,ΑΘΑΝΆΣΙΟΣ  ΣΩΚΡΆΤΗΣ,,expert,,commentary,Synthetic quote 4.,"
    "https://example.org/names/4,Καθημερινή,,Synthetic 4,2025-02-23,news_report,",
    "statement,US,MD,2025-02-24,,,,Дмитрий Синтетический,,expert,,commentary,Synthetic quote 5.,"
    "https://example.org/names/5,Новая газета,,Synthetic 5,2025-02-24,news_report,",
    "statement,US,MD,2025-02-25,,,,дмитрий синтетический,,expert,,commentary,Synthetic quote 6.,"
    "https://example.org/names/6,НОВАЯ ГАЗЕТА,,Synthetic 6,2025-02-25,news_report,",
]


def _file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_one_name_in_any_case_or_spacing_is_one_actor_in_every_script():
    report = import_records(_file(*NAMES))
    assert report.created == 6
    assert sorted(Actor.objects.values_list("name", flat=True)) == [
        "Frank Ábrego",
        "Αθανάσιος Σωκράτης",
        "Дмитрий Синтетический",
    ]
    assert Actor.objects.get(name="Frank Ábrego").statements.count() == 2


def test_reimporting_a_file_naming_frank_abrego_changes_nothing():
    """On SQLite this used to stop with an IntegrityError (its lower() folds only ASCII); run on PostgreSQL too."""
    import_records(_file(*NAMES))
    before = snapshot()
    again = import_records(_file(*NAMES))
    assert (again.created, again.unchanged, again.sources_added) == (0, 6, 0)
    assert snapshot() == before
    # A file naming the actor in another case only, is the same actor too.
    import_records(_file(NAMES[1].replace("2025-02-21", "2025-02-26").replace("/names/2", "/names/7")))
    assert Actor.objects.filter(name_key="frank ábrego").count() == 1 and Actor.objects.count() == 3


def test_the_editor_finds_an_actor_by_its_name_in_any_case():
    first = services.get_or_create_actor(name="Frank Ábrego", role="Minister")
    again = services.get_or_create_actor(name="  frank   ÁBREGO ")
    assert again.obj.pk == first.obj.pk and not again.created


def test_the_name_key_is_unique_in_the_database():
    ActorFactory(name="Ωmega Synthetic")
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, whichever database
        ActorFactory(name="ωMEGA SYNTHETIC")


def test_renaming_an_actor_to_another_actors_name_is_refused_naming_the_field():
    ActorFactory(name="Frank Ábrego")
    other = ActorFactory(name="Actor Synthetic")
    with pytest.raises(ValidationError) as exc:
        services.correct_record(obj=other, changes={"name": "FRANK ÁBREGO"}, user=None, reason="synthetic test")
    assert "name" in exc.value.message_dict


def test_lists_find_names_in_any_case(client):
    import_records(_file(*NAMES))
    response = client.get("/api/v1/actors/?q=ΣΩΚΡΆΤΗΣ")
    assert [a["name"] for a in response.json()["results"]] == ["Αθανάσιος Σωκράτης"]
    response = client.get("/api/v1/sources/?publisher=новая")
    assert len(response.json()["results"]) == 2


def test_the_data_migration_fills_the_name_keys():
    migration = importlib.import_module("agreements.migrations.0009_names_and_origins")
    actor = ActorFactory(name="Frank Ábrego")
    source = SourceFactory(publisher="Ziarul de Gardă")
    Actor.objects.filter(pk=actor.pk).update(name_key="")
    Source.objects.filter(pk=source.pk).update(publisher_key="", origin_key="")

    class Editor:
        connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    from django.apps import apps

    migration.fill_keys(apps, Editor())
    assert Actor.objects.get(pk=actor.pk).name_key == "frank ábrego"
    assert Source.objects.filter(pk=source.pk).values_list("publisher_key", "origin_key").get() == (
        "ziarul de gardă",
        "ziarul de gardă",
    )


# ---- origins ------------------------------------------------------------------------------------------------


ORIGIN_ROW = (
    "status_change,US,CR,2025-02-20,implemented,Synthetic note,,,,,,,,https://example.org/copy/1,Dawn,Reuters,"
    "Synthetic copy,2025-02-20,news_report,synthetic-origin-1"
)


def test_the_origin_is_imported_exported_and_cited_as_origin_via_publisher(client):
    import_records(_file(ORIGIN_ROW))
    source = Source.objects.get()
    assert (source.publisher, source.origin, source.cited_as) == ("Dawn", "Reuters", "Reuters, via Dawn")
    exported = b"".join(client.get("/export/records.csv").streaming_content).decode()
    assert exported.splitlines()[0] == ",".join(COLUMNS) and ",Dawn,Reuters," in exported
    for url in ("/countries/CR/", "/countries/CR/panel/", "/status-changes/", "/sources/"):
        assert "Reuters, via Dawn" in client.get(url).content.decode(), url
    assert client.get("/api/v1/sources/").json()["results"][0]["origin"] == "Reuters"


def test_a_file_without_the_origin_column_imports_with_empty_origins():
    header = RECORD_HEADER.replace(",source_origin,", ",")
    row = ORIGIN_ROW.replace(",Dawn,Reuters,", ",Dawn,")
    assert import_records(f"{header}\n{row}\n".encode()).created == 1
    assert Source.objects.get().origin == "" and Source.objects.get().cited_as == "Dawn"


def test_an_editor_gives_the_origin_of_a_new_source(client, editor_user):
    client.force_login(editor_user)
    response = client.post(
        "/editor/status-change/",
        {
            "sending_state": "US",
            "receiving_country": "CR",
            "status": "agreed",
            "date": "2025-02-17",
            "source_url": "https://example.org/copy/2",
            "source_publisher": "TimesLIVE",
            "source_origin": "Reuters",
        },
    )
    assert response.status_code == 302
    assert Source.objects.get().cited_as == "Reuters, via TimesLIVE"
    response = client.post(
        "/api/v1/status-changes/",
        {
            "receiving_country": "CR",
            "status": "implemented",
            "date": "2025-02-20",
            "source": {"url": "https://example.org/copy/3", "publisher": "Dawn", "origin": "AFP"},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["sources"][0]["origin"] == "AFP"


# ---- independence -------------------------------------------------------------------------------------------


def test_two_copies_of_one_origin_and_one_other_publisher_count_as_two(client):
    copies = [
        SourceFactory(publisher="Dawn", origin="Reuters"),
        SourceFactory(publisher="TimesLIVE", origin="  REUTERS "),
    ]
    own = SourceFactory(publisher="EFE")
    for source in [*copies, own]:
        change("SV", "implemented", dt.date(2025, 3, 16), source=source)
    arrangement = Arrangement.objects.get(receiving_country="SV")
    assert arrangement.sources_count == 2
    assert Arrangement.objects.as_of(dt.date(2025, 3, 31)).get(pk=arrangement.pk).at_sources_count == 2
    assert client.get("/api/v1/arrangements/").json()["results"][0]["sources_count"] == 2
    assert "backed by 2 independent publishers" in client.get("/countries/SV/").content.decode()


def test_origins_and_publishers_count_once_in_any_case_in_every_alphabet():
    for publisher in ("Καθημερινή", "ΚΑΘΗΜΕΡΙΝΉ", "Ziarul de Gardă", "ZIARUL  DE GARDĂ"):
        change("MD", "reported", dt.date(2025, 5, 5), source=SourceFactory(publisher=publisher))
    assert Arrangement.objects.get(receiving_country="MD").sources_count == 2


def test_correcting_an_origin_recounts_the_publishers():
    dawn, times = SourceFactory(publisher="Dawn"), SourceFactory(publisher="TimesLIVE")
    for source in (dawn, times):
        change("SV", "implemented", dt.date(2025, 3, 16), source=source)
    assert Arrangement.objects.get().sources_count == 2
    services.correct_record(obj=dawn, changes={"origin": "Reuters"}, user=None, reason="synthetic test")
    services.correct_record(obj=times, changes={"origin": "reuters"}, user=None, reason="synthetic test")
    assert Arrangement.objects.get().sources_count == 1
