"""Who is sent where, on the record: the demo data carries the nationalities and reported totals of
fixtures/people-facts.csv through import and export; the importer refuses bad ones naming line and column; the
US page's flow picture and /api/v1/transfers/ show them."""

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest

from agreements.importers import ImportError_, import_records
from agreements.models import Arrangement, ReportedTotal, StatusChange, TransferNationality

from .conftest import ROOT, import_record
from .factories import RECORD_HEADER

pytestmark = pytest.mark.django_db
FACTS = ROOT / "fixtures" / "people-facts.csv"
SVG = "{http://www.w3.org/2000/svg}"
HEADER = RECORD_HEADER.replace(",people,", ",people,nationalities,people_total,")
TRANSFER = (
    "status_change,US,AO,2025-01-10,implemented,Synthetic transfer,5,{nationalities},,,,,,,,"
    "https://example.org/t/1,Publisher 1,,,,news_report,synthetic-transfer-1"
)


def _facts() -> list[dict[str, str]]:
    with FACTS.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _export(client) -> list[dict[str, str]]:
    body = b"".join(client.get("/export/records.csv").streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_of_the_record_reproduces_every_people_fact(client, record):
    exported = {row["import_ref"]: row for row in _export(client)}
    facts = _facts()
    assert len(facts) == 10
    for fact in facts:
        row = exported[fact["import_ref"]]
        assert (row["nationalities"], row["people_total"]) == (fact["nationalities"], fact["people_total"]), fact
    others = [r for ref, r in exported.items() if ref not in {f["import_ref"] for f in facts}]
    assert others and not any(r["nationalities"] or r["people_total"] for r in others)  # nothing invented
    assert TransferNationality.objects.count() == 23 and ReportedTotal.objects.count() == 4


def test_the_record_reports_panama_at_least_299_and_eswatini_19(client, record):
    figures = {
        a["receiving_country"]: (a["people_transferred"], a["people_transferred_basis"], a["people_counted"])
        for a in client.get("/api/v1/arrangements/?sending_state=US&page_size=500").json()["results"]
    }
    assert figures["PA"] == (299, "reported_total", 119)  # 119 counted from the first flight, 299 reported after
    assert figures["SZ"] == (19, "reported_total", 19)
    assert figures["SV"] == (238, "sum_of_transfers", 238)


def test_reimporting_the_record_changes_nothing_and_an_old_database_gains_the_facts(record):
    again = import_record()
    assert [(r.created, r.unchanged, r.details_added) for r in again] == [(0, 19, 0), (0, 114, 0)]
    assert not [w for r in again for w in r.warnings if "nationalities" in w or "total" in w]
    # A database that holds the record from before the people facts (as a `make run` of last month left it).
    TransferNationality.objects.all().delete()
    ReportedTotal.objects.all().delete()
    histories = StatusChange.history.count()
    reports = import_record()
    assert [(r.created, r.details_added) for r in reports] == [(0, 1), (0, 9)]
    assert TransferNationality.objects.count() == 23 and ReportedTotal.objects.count() == 4
    assert StatusChange.history.count() == histories + 7  # the transfers that gained nationalities, on the record
    assert Arrangement.objects.get(sending_state="US", receiving_country="PA").people_transferred == 299


def _problems(nationalities: str, header: str = HEADER) -> list[str]:
    before = StatusChange.objects.count()
    with pytest.raises(ImportError_) as exc:
        import_records(f"{header}\n{TRANSFER.format(nationalities=nationalities)}\n".encode())
    assert StatusChange.objects.count() == before and not TransferNationality.objects.exists()
    return exc.value.problems


def test_an_unknown_nationality_is_refused_naming_line_and_column(db):
    assert _problems("VN;Atlantis:2") == ["line 2, column nationalities: unknown country 'Atlantis' ('VN;Atlantis:2')"]


def test_a_count_above_people_is_refused_naming_line_and_column(db):
    assert _problems("VN:3;CU:6") == [
        "line 2, column nationalities: the count for Cuba (6) is more than the 5 people transferred ('VN:3;CU:6')"
    ]
    assert _problems("VN:") == ["line 2, column nationalities: 'VN:': a count follows the ':' ('VN:')"]
    assert _problems("VN:x") == [
        "line 2, column nationalities: the count for Vietnam must be a whole number from 0 to 2,147,483,647 ('VN:x')"
    ]


def test_nationalities_and_totals_of_a_statement_row(db):
    statement = (
        "statement,US,{receiving},2025-02-01,{status},,,{nationalities},{total},Actor 1,,agency,US,confirms,"
        "Synthetic quote.,https://example.org/s/1,Publisher 1,,,,news_report,"
    )
    bad = statement.format(receiving="AO;BJ", status="implemented", nationalities="VN", total="12")
    with pytest.raises(ImportError_) as exc:
        import_records(f"{HEADER}\n{bad}\n".encode())
    assert exc.value.problems == [
        "line 2, column nationalities: on a statement row, needs the status it records and one receiving_country "
        "('VN')",
        "line 2, column people_total: a total on a statement row is about one receiving_country ('12')",
    ]
    good = statement.format(receiving="AO", status="implemented", nationalities="VN:2;CU", total="12")
    import_records(f"{HEADER}\n{good}\n".encode())
    recorded = StatusChange.objects.get()  # recorded with the statement, carrying its nationalities
    assert [(n.country_id, n.count) for n in recorded.nationalities.all()] == [("VN", 2), ("CU", None)]
    assert ReportedTotal.objects.get().statement is not None
    assert Arrangement.objects.get(receiving_country="AO").people_transferred == 12


def _flows(html: str, key: str) -> ET.Element:
    match = re.search(rf'<figure class="transfer-flows" id="flows-{key}">\s*(<svg.*?</svg>)', html, re.S)
    assert match, f"no flow picture {key}"
    return ET.fromstring(match.group(1))  # noqa: S314 (our own output, parsed to check it)


def test_the_us_page_draws_eswatinis_nationalities_as_recorded(client, record):
    html = client.get("/countries/US/").content.decode()
    svg = _flows(html, "country")
    bands: dict[str | None, list[int]] = {}  # nationality → [people counted, transfers naming it without a number]
    for path in svg.iter(f"{SVG}path"):
        if path.get("data-to") != "SZ":
            continue
        entry = bands.setdefault(path.get("data-from"), [0, 0])
        if path.get("data-people"):
            entry[0] += int(path.get("data-people"))  # type: ignore[arg-type]
        else:
            entry[1] += int(path.get("data-unreported"))  # type: ignore[arg-type]
    # 2025-07-15: VN;JM;CU;YE;LA (five men, no count each); 2025-10-06: VN:3;PH:1;KH:1 of 10 (five not named);
    # 2026: SO:2;SD:1;TZ:1 — people-facts.csv, as recorded.
    assert bands == {
        "VN": [3, 1],
        "JM": [0, 1],
        "CU": [0, 1],
        "YE": [0, 1],
        "LA": [0, 1],
        "PH": [1, 0],
        "KH": [1, 0],
        "SO": [2, 0],
        "SD": [1, 0],
        "TZ": [1, 0],
        None: [5, 0],  # nationality not reported: 10 transferred, 5 named
    }
    table = html[html.index('<table class="data flows-table">') :]
    assert '<tr data-from="VN" data-to="SZ"><th scope="row">Vietnam</th><td>Eswatini</td>' in table
    assert "at least 3 people (some numbers not reported)" in table
    assert "whose nationalities are not on record" in html


def test_transfers_api_lists_the_events_that_carried_vietnamese_citizens(client, record):
    body = client.get("/api/v1/transfers/?nationality=VN").json()
    refs = {c.pk: c.import_ref for c in StatusChange.objects.all()}
    assert sorted(refs[r["id"]] for r in body["results"]) == [
        "us-ss-2025-07-05-transfer-1",
        "us-sz-2025-07-15-transfer-1",
        "us-sz-2025-10-06-transfer-1",
    ]
    second = next(r for r in body["results"] if refs[r["id"]] == "us-sz-2025-10-06-transfer-1")
    assert (second["people"], second["receiving_country"], second["date"]) == (10, "SZ", "2025-10-06")
    assert second["nationalities"] == [
        {"nationality": "VN", "name": "Vietnam", "count": 3},
        {"nationality": "PH", "name": "Philippines", "count": 1},
        {"nationality": "KH", "name": "Cambodia", "count": 1},
    ]
    assert client.get("/api/v1/transfers/?nationality=VNM&receiving_country=SS").json()["count"] == 1
    assert client.get("/api/v1/transfers/?nationality=VN&as_of=2025-07-10").json()["count"] == 1
    assert client.get("/api/v1/transfers/?nationality=VN&date_after=2025-10-01").json()["count"] == 1
    third = client.get("/api/v1/transfers/?receiving_country=SZ&date_after=2026-01-01").json()["results"]
    assert [t["reported_totals"][0]["people"] for t in third] == [19]
    response = client.get("/api/v1/transfers/?nationality=Atlantis")
    assert response.status_code == 400 and "nationality" in response.json()


def test_the_status_change_list_has_a_nationalities_facet(client, record):
    page = client.get("/status-changes/?sending_state=US").content.decode()
    assert '<option value="VN">Vietnam (3)</option>' in page and '<option value="VE">Venezuela (1)</option>' in page
    filtered = client.get("/status-changes/?nationality=VN").content.decode()
    assert "3 results" in filtered and 'href="/status-changes/?nationality=PH"' in filtered
    body = b"".join(client.get("/status-changes/export.csv?nationality=KH").streaming_content).decode()
    assert next(csv.DictReader(io.StringIO(body)))["nationalities"] == "KH:1;PH:1;VN:3"
