"""The tracker in English and Spanish: language from the URL, the switcher, the first visit, CLDR names and dates,
quotes in their own language, and a catalogue with nothing left untranslated."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from .conftest import ROOT, missing

SPANISH = [
    # The map: status labels, CLDR country names (the selector), and its panel's dates.
    ("/es/", ["Transferencias en curso", "Denegado", ">Ruanda</option>", ">Esuatini</option>", 'lang="es"']),
    (
        "/es/countries/AO/panel/",
        ['<strong class="status">Denegado</strong> desde <time datetime="2025-05-05">5 de mayo de 2025</time>'],
    ),
    ("/es/countries/RW/", ["<h1>Ruanda</h1>", "Como país receptor", "5 de mayo de 2025", "África oriental"]),
    # English stays as it was, unprefixed.
    ("/countries/RW/", ["<h1>Rwanda</h1>", "As receiving country", "5 May 2025", "Eastern Africa", 'lang="en"']),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path, expected", SPANISH)
def test_pages_speak_the_language_of_their_url(client, seed, path, expected):
    html = client.get(path).content.decode()
    for text in expected:
        assert text in html, f"{text!r} not on {path}"
    if path.startswith("/es/"):
        assert "Transfers under way" not in html and "Denied" not in html


@pytest.mark.parametrize(
    "language, precision, shown",
    [
        ("es", "day", "5 de mayo de 2025"),
        ("es", "month", "mayo de 2025"),
        ("es", "year", "2025"),
        ("en", "day", "5 May 2025"),
        ("en", "month", "May 2025"),
    ],
)
def test_dates_at_their_precision_in_each_language(language, precision, shown):
    import datetime as dt

    from django.utils import translation

    from agreements.dates import humanize_partial_date

    with translation.override(language):
        assert humanize_partial_date(dt.date(2025, 5, 5), precision) == shown


def test_countries_sort_by_their_name_in_the_language():
    from django.utils import translation

    from agreements.localize import sort_countries
    from agreements.models import Country

    countries = [Country(iso2=code, name=name) for code, name in (("EG", "Egypt"), ("AE", "United Arab Emirates"))]
    countries.append(Country(iso2="ER", name="Eritrea"))
    with translation.override("es"):  # Egipto, Emiratos Árabes Unidos, Eritrea: the accent does not count
        assert [c.iso2 for c in sort_countries(countries)] == ["EG", "AE", "ER"]
    with translation.override("en"):
        assert [c.iso2 for c in sort_countries(countries)] == ["EG", "ER", "AE"]


@pytest.mark.django_db
def test_switcher_keeps_the_view_and_pages_name_their_alternates(client, seed):
    html = client.get("/es/countries/RW/?as_of=2025-05-31").content.decode()
    base = "http://testserver"
    for code, path in (("en", "/countries/RW/"), ("es", "/es/countries/RW/"), ("x-default", "/countries/RW/")):
        assert f'<link rel="alternate" hreflang="{code}" href="{base}{path}?as_of=2025-05-31">' in html
    switch = re.search(r'<a href="([^"]+)" hreflang="en" lang="en">English</a>', html)
    assert switch, "the switcher links to the English page"
    response = client.get(switch.group(1).replace("&amp;", "&"))
    assert (response.status_code, response["Location"]) == (302, "/countries/RW/?as_of=2025-05-31")
    assert response.cookies["tracker_language"].value == "en"
    english = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in english and '<span aria-current="true" lang="en">English</span>' in english


@pytest.mark.django_db
def test_accept_language_only_on_the_first_visit(seed):
    browser = Client(HTTP_ACCEPT_LANGUAGE="es-419,es;q=0.9", HTTP_ACCEPT="text/html")
    first = browser.get("/countries/RW/?as_of=2025-05-31")
    assert first.status_code == 302 and first["Location"] == "/es/countries/RW/?as_of=2025-05-31"
    assert browser.cookies["tracker_language"].value == "es"
    # The reader switches to English: the cookie says so, and Accept-Language is not read again.
    switched = browser.get("/language/en/", {"next": "/es/countries/RW/"})
    assert switched["Location"] == "/countries/RW/"
    again = browser.get("/countries/RW/")
    assert again.status_code == 200 and '<html lang="en">' in again.content.decode()


@pytest.mark.django_db
def test_a_first_visit_in_the_pages_own_language_stays_public(seed):
    """No cookie on a page the reader gets in the language asked for: the proxy and the page cache can keep it."""
    for accept, url in (("en-GB,en;q=0.9", "/"), ("es-419,es;q=0.9", "/es/"), ("", "/countries/RW/")):
        response = Client(HTTP_ACCEPT_LANGUAGE=accept, HTTP_ACCEPT="text/html").get(url)
        assert response.status_code == 200 and not response.cookies, url
        assert response["Cache-Control"].startswith("public"), url


@pytest.mark.django_db
def test_machines_are_never_redirected(seed):
    browser = Client(HTTP_ACCEPT_LANGUAGE="es", HTTP_ACCEPT="text/html")
    assert browser.get("/api/v1/map/").status_code == 200
    assert browser.get("/feeds/changes/").status_code == 200


@pytest.mark.django_db
def test_switcher_refuses_another_site(client, db):
    assert client.get("/language/es/", {"next": "https://example.org/"}).status_code == 400
    assert client.get("/language/xx/", {"next": "/"}).status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# Nothing left in English: every main page rendered in both languages, the Spanish text compared with the English.

# Words that are the same in both languages, or names of formats, standards and projects.
SAME_IN_BOTH = {
    "API",
    "CSV",
    "JSON",
    "GeoJSON",
    "WARC",
    "HTTP",
    "SHA-256",
    "ISO",
    "BibTeX",
    "Chicago",
    "Atom",
    "Leaflet",
    "Natural",
    "Earth",
    "world-atlas",
    "Frictionless",
    "Data",
    "Package",
    "No",
    "UTC",
    "Actor",
    "Editor",
}


class _Text(HTMLParser):
    """The visible text nodes of a page's <main>, header, footer and citation: no scripts, and no words of the
    record in their own language (a quote, marked with lang, is shown as said)."""

    SKIP = {"script", "style", "code", "pre", "blockquote", "q", "template", "datalist", "option"}

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP or dict(attrs).get("lang"):
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skipping:
            self.nodes.append(text)


def _nodes(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html.split("<body", 1)[1].split(">", 1)[1])
    return parser.nodes


def _record_words() -> list[str]:
    """Every text the record holds (names, titles, notes, quotes…): data, shown as it is in every language."""
    from agreements.models import Actor, Arrangement, Country, Source, Statement, StatusChange

    texts: set[str] = set()
    # The reference data's English names (ISO short names, and the few regions CLDR does not name the same way).
    for row in Country.objects.values_list("name", "iso_name", "region", "subregion"):
        texts.update(value for value in row if value)
    # Why each edit was made: the editor's words (or the importer's), as written.
    for model in (StatusChange, Statement):
        texts.update(model.history.exclude(history_change_reason=None).values_list("history_change_reason", flat=True))
    for model, fields in (
        (Actor, ("name", "role", "slug")),
        (Source, ("publisher", "origin", "title", "url")),
        (StatusChange, ("note",)),
        (Statement, ("paraphrase", "quote")),
        (Arrangement, ("summary",)),
    ):
        for row in model.objects.values_list(*fields):
            texts.update(value for value in row if value)
    return sorted(texts, key=len, reverse=True)


def _untranslated(es_nodes: list[str], en_nodes: set[str], record: list[str]) -> list[str]:
    found = []
    for node in es_nodes:
        if node not in en_nodes:
            continue
        rest = node
        for text in record:
            if text in rest:
                rest = rest.replace(text, " ")
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", rest) if w not in SAME_IN_BOTH]
        if words:
            found.append(node)
    return found


MAIN_PAGES = [
    "/",
    "/?as_of=2025-05-31&country=RW",
    "/timeline/?sending_state=US&as_of=2025-05-31",
    "/countries/",
    "/countries/RW/",
    "/countries/US/",
    "/arrangements/",
    "/statements/",
    "/status-changes/",
    "/sources/",
    "/actors/",
    "/changes/",
    "/changes/compare/?from=2025-01-01&to=2025-06-30",
    "/data/",
    "/accounts/login/",
    "/embed/map/?as_of=2025-05-31",
    "/embed/countries/RW/",
    "/subscribe/?receiving_country=RW",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", MAIN_PAGES)
def test_no_untranslated_text_on_the_main_pages(client, seed, path):
    from agreements.models import Actor, Source

    paths = [path]
    if path == "/actors/":
        paths.append(f"/actors/{Actor.objects.order_by('pk').first().slug}/")
    if path == "/sources/":
        paths.append(f"/sources/{Source.objects.order_by('pk').first().pk}/")
    record = _record_words()
    for one in paths:
        english = client.get(one)
        spanish = client.get("/es" + one)
        assert english.status_code == spanish.status_code == 200, one
        en_nodes = set(_nodes(english.content.decode()))
        es_nodes = _nodes(spanish.content.decode())
        assert len(es_nodes) > 10
        left = _untranslated(es_nodes, en_nodes, record)
        assert left == [], f"untranslated on /es{one}: {left}"


def test_the_comparison_flags_an_english_string():
    """The check itself: an English sentence left in a Spanish page is reported; data and shared words are not."""
    en = {"Sources for this status", "Marco Rubio", "CSV"}
    assert _untranslated(["Sources for this status", "Marco Rubio", "CSV", "Fuentes"], en, ["Marco Rubio"]) == [
        "Sources for this status"
    ]


# ---------------------------------------------------------------------------------------------------------------
# The catalogue is complete: makemessages finds nothing new, and every entry has a reviewed translation.

CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"


def _msgids(path: Path) -> set[object]:
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return {
            message.id if isinstance(message.id, str) else tuple(message.id)
            for message in read_po(handle)
            if message.id
        }


def test_makemessages_leaves_the_catalogue_unchanged(tmp_path):
    """makemessages, run over the code into a copy of the catalogue, finds no string that is not already in it."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        missing("gettext", "gettext's xgettext/msgmerge not installed (apt-get install -y gettext)")
    copy = tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(CATALOGUE, copy)
    (tmp_path / "copy_settings.py").write_text(
        f"from tracker.settings import *  # noqa: F403\nLOCALE_PATHS = [{str(tmp_path / 'locale')!r}]\n"
    )
    spec = importlib.util.spec_from_file_location("update_messages", ROOT / "scripts" / "update_messages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "copy_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DEBUG": "1",
    }
    env.pop("DATABASE_URL", None)
    # makemessages also writes to ./locale (the project's catalogue): put it back as it was after the run.
    original = CATALOGUE.read_bytes()
    try:
        result = module.update(env)
    finally:
        CATALOGUE.write_bytes(original)
    assert result.returncode == 0, result.stderr
    assert CATALOGUE.read_bytes() != b"" and _msgids(copy) == _msgids(CATALOGUE), (
        f"new or gone strings: {sorted(map(str, _msgids(copy) ^ _msgids(CATALOGUE)))[:20]}"
    )


def test_every_entry_is_translated_and_keeps_its_placeholders():
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    assert catalogue.num_plurals == 2
    for message in catalogue:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings), f"untranslated: {ids[0]!r}"
        wanted = set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", ids[-1]))
        for text in strings:
            assert set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text)) == wanted, f"placeholders of {ids[0]!r}"


# ---------------------------------------------------------------------------------------------------------------
# Records stay in their language: the quote as said, marked with its language; a translation beside it, never
# instead of it.


@pytest.mark.django_db
def test_a_translation_is_shown_beside_the_quote_with_its_translator(client, editor):
    import datetime as dt

    from agreements import services

    from .factories import ActorFactory, statement

    said = statement(
        ActorFactory(name="Synthetic Minister 17"),
        ["PA"],
        "confirms",
        dt.date(2025, 5, 5),
        quote="Sí.",
        status="agreed",
    )
    services.correct_record(
        obj=said,
        changes={"quote_language": "es", "translation": "Yes.", "translation_language": "en", "translator": "Ana Q."},
        user=editor,
        reason="synthetic: translation added",
    )
    for path in ("/countries/PA/", "/es/countries/PA/"):
        html = client.get(path).content.decode()
        assert '<blockquote lang="es">“Sí.”</blockquote>' in html  # verbatim, in its language, on both pages
        assert '<span lang="en">Yes.</span>' in html
    assert "Translation by Ana Q.:" in client.get("/countries/PA/").content.decode()
    assert "Traducción de Ana Q.:" in client.get("/es/countries/PA/").content.decode()
    said.refresh_from_db()
    assert (said.quote, said.translation) == ("Sí.", "Yes.")
    assert said.history.first().history_change_reason == "synthetic: translation added"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, field",
    [
        ({"quote_language": "Spanish"}, "quote_language"),
        ({"translation": "Yes."}, "translation_language"),
        ({"translation": "Yes.", "translation_language": "en", "quote": ""}, "translation"),
    ],
)
def test_a_bad_translation_is_refused_naming_the_field(editor, changes, field):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from agreements import services

    from .factories import ActorFactory, statement

    said = statement(ActorFactory(name="Synthetic Minister 18"), ["PA"], "confirms", dt.date(2025, 5, 5))
    if "quote" in changes:
        services.correct_record(obj=said, changes={"paraphrase": "Synthetic."}, user=editor, reason="synthetic")
    with pytest.raises(ValidationError) as refused:
        services.correct_record(obj=said, changes=changes, user=editor, reason="synthetic")
    assert field in refused.value.message_dict
    said.refresh_from_db()
    assert (said.quote_language, said.translation) == ("en", "")


@pytest.mark.django_db
def test_an_editor_adds_a_translation_with_the_correction_form(client, seed, editor):
    from django.forms.models import model_to_dict

    from agreements.models import Statement

    said = Statement.objects.exclude(quote="").order_by("pk").first()
    client.force_login(editor)
    url = f"/es/editor/statement/{said.pk}/correct/"
    form = client.get(url).content.decode()
    assert 'name="translation"' in form and "Traductor" in form  # the form speaks Spanish too
    data = {k: v for k, v in model_to_dict(said).items() if k in Statement.TRANSLATION_FIELDS or v is not None}
    data |= {"translation": "Traducción sintética.", "translation_language": "es", "translator": "Synthetic 17"}
    response = client.post(url, data | {"reason": "synthetic: translation"})
    assert response.status_code == 302, response.content.decode()[:2000]
    said.refresh_from_db()
    assert (said.translation, said.translation_language, said.translator) == (
        "Traducción sintética.",
        "es",
        "Synthetic 17",
    )
    assert said.quote and said.quote_language == "en"  # the quote itself untouched


@pytest.mark.django_db
def test_a_reader_who_subscribes_in_spanish_gets_spanish_mail(client):
    import datetime as dt

    from django.core import mail

    from agreements import digests
    from agreements.models import Subscription

    from .factories import change

    response = client.post("/es/subscribe/", {"email": "reader-17@example.org", "frequency": "weekly", "country": "RW"})
    assert response.status_code == 200 and "Revise su correo" in response.content.decode()
    sub = Subscription.objects.get()
    assert sub.language == "es"
    [confirmation] = mail.outbox
    assert confirmation.subject == "[Monitor de Terceros Países] Confirme su suscripción"
    assert "un resumen semanal de los cambios" in confirmation.body
    Subscription.objects.filter(pk=sub.pk).update(confirmed_at=sub.created_at)
    change("RW", "agreed", dt.date(2025, 3, 4))
    assert digests.send_digests() == 1
    assert mail.outbox[-1].subject.startswith("[Monitor de Terceros Países] Novedades (1) para ?")
