# ruff: noqa: E501  (CSV rows are clearer on one line)
"""The records CSV importer implements IMPORT_FORMAT.md."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agreements.importers import ImportError_, import_records
from agreements.models import Actor, Arrangement, Source, Statement, StatusChange

from .conftest import SEED
from .factories import RECORD_HEADER

pytestmark = pytest.mark.django_db

# The format before the optional source_origin and transfer columns: such files still import (as if every origin
# were empty, with no nationalities or reported totals).
HEADER = RECORD_HEADER.replace(",source_origin,", ",")


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def counts():
    models = (
        Arrangement,
        StatusChange,
        Statement,
        Actor,
        Source,
        StatusChange.history.model,
        Statement.history.model,
    )
    return tuple(m.objects.count() for m in models)


CHANGE = (
    "status_change,US,AO,2025-01-10,reported,Synthetic note,,,,,,,,https://example.org/r/1,Publisher 1,,,news_report,"
)


def test_seed_imports_every_row():
    report = import_records(SEED.read_bytes())
    assert (report.rows, report.created, report.unchanged) == (19, 19, 0)
    assert Arrangement.objects.exclude(status="").count() == 11
    assert Statement.objects.count() == 6
    assert StatusChange.objects.filter(statement__isnull=True).count() == 13


def test_second_import_of_the_same_file_changes_nothing():
    import_records(SEED.read_bytes())
    before = counts()
    report = import_records(SEED.read_bytes())
    assert (report.created, report.unchanged, report.sources_added) == (0, 19, 0)
    assert counts() == before


def test_dry_run_writes_nothing_and_reports_what_it_would_do():
    report = import_records(SEED.read_bytes(), dry_run=True)
    assert report.created == 19
    assert counts() == (0, 0, 0, 0, 0, 0, 0)


def test_dry_run_command(capsys):
    call_command("import_records", str(SEED), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert StatusChange.objects.count() == 0


def test_one_bad_row_writes_nothing_and_names_line_column_and_value():
    data = csv(
        CHANGE,
        CHANGE.replace("2025-01-10", "2025-13-40").replace("/r/1", "/r/2"),
        CHANGE.replace("/r/1", "/r/3"),
    )
    with pytest.raises(ImportError_) as exc:
        import_records(data)
    assert any(p.startswith("line 3, column date: ") and "'2025-13-40'" in p for p in exc.value.problems)
    assert counts() == (0, 0, 0, 0, 0, 0, 0)


def test_every_problem_is_listed():
    data = csv(
        CHANGE.replace(",AO,", ",Atlantis,"),
        CHANGE.replace("https://example.org/r/1", "javascript:alert(1)"),
        CHANGE.replace(",reported,", ",rumoured,"),
        CHANGE.replace(",,,news_report", ",,,blog"),
        CHANGE.replace("2025-01-10", (dt.date.today() + dt.timedelta(days=2)).isoformat()),
        CHANGE.replace("Synthetic note,,", "Synthetic note,-4,"),
    )
    with pytest.raises(ImportError_) as exc:
        import_records(data)
    text = "\n".join(exc.value.problems)
    assert "line 2, column receiving_country: unknown country" in text and "'Atlantis'" in text
    assert "line 3, column source_url: must be an http or https URL ('javascript:alert(1)')" in text
    assert "line 4, column status: must be one of" in text
    assert "line 5, column source_kind: must be one of" in text
    assert "line 6, column date: the date is in the future" in text
    assert "line 7, column people: must be a whole number" in text


def test_unknown_header_column_is_an_error():
    with pytest.raises(ImportError_) as exc:
        import_records(csv(CHANGE + ",x", header=HEADER + ",recieving_country"))
    assert exc.value.problems == ["line 1, column 20: unknown column ('recieving_country')"]


def test_headers_are_case_insensitive_in_any_order_with_spaces():
    header = " Source_URL , record_type,SENDING_STATE,receiving_country,date,status,source_publisher"
    report = import_records(csv("https://example.org/x,status_change,us,ago,2025-02,agreed,Publisher 1", header=header))
    assert report.created == 1
    change = StatusChange.objects.get()
    assert (change.arrangement.sending_state_id, change.arrangement.receiving_country_id) == ("US", "AO")
    assert (change.date, change.date_precision, change.date_iso) == (dt.date(2025, 2, 1), "month", "2025-02")


def test_byte_order_mark_is_tolerated():
    assert import_records(b"\xef\xbb\xbf" + csv(CHANGE)).created == 1


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(ImportError_) as exc:
        import_records(csv(CHANGE.replace("Synthetic note", "Synth\xe9tic")).replace(b"\xc3\xa9", b"\xe9"))
    assert exc.value.problems[0].startswith("line 2: the file is not UTF-8")


@pytest.mark.parametrize("name", ["Angola", "angola", "AGO", "ao", "Republic of Angola"])
def test_countries_match_codes_and_english_names_case_insensitively(name):
    import_records(csv(CHANGE.replace(",AO,", f",{name},")))
    assert Arrangement.objects.get().receiving_country_id == "AO"


def test_iso_short_and_common_names_both_match():
    rows = [
        CHANGE.replace(",AO,", f",{n},").replace("/r/1", f"/r/{i}")
        for i, n in enumerate(["Côte d'Ivoire", "Ivory Coast", "United States of America"], 2)
    ]
    rows[2] = rows[2].replace("status_change,US,", "status_change,GB,")
    import_records(csv(*rows))
    assert set(Arrangement.objects.values_list("receiving_country_id", flat=True)) == {"CI", "US"}


def test_spreadsheet_apostrophe_before_a_formula_character_is_removed():
    import_records(csv(CHANGE.replace("Synthetic note", "'=1+2 is not a formula")))
    assert StatusChange.objects.get().note == "=1+2 is not a formula"


def test_an_earlier_change_goes_into_history_without_changing_the_current_status():
    import_records(
        csv(
            CHANGE.replace(",reported,", ",agreed,"),
            CHANGE.replace("2025-01-10", "2024-12").replace("/r/1", "/r/2"),
        )
    )
    arrangement = Arrangement.objects.get()
    assert arrangement.status == "agreed"
    assert arrangement.status_changes.count() == 2


def test_of_two_changes_on_the_same_date_the_later_row_is_latest():
    import_records(csv(CHANGE, CHANGE.replace(",reported,", ",denied,").replace("/r/1", "/r/2")))
    assert Arrangement.objects.get().status == "denied"


def test_statement_with_several_countries_and_a_status():
    row = (
        "statement,US,AO;BJ,2025-01-10,denied,Synthetic paraphrase,,Actor 1,Spokesperson,embassy,AO,denies,"
        "Synthetic quote,https://example.org/s/1,Publisher 1,,2025-01-11,news_report,ref-1"
    )
    import_records(csv(row))
    st = Statement.objects.get()
    assert sorted(st.arrangements.values_list("receiving_country_id", flat=True)) == ["AO", "BJ"]
    assert set(Arrangement.objects.values_list("status", flat=True)) == {"denied"}
    assert st.status_changes.count() == 2 and st.import_ref == "ref-1"


def test_general_statement_needs_no_receiving_country():
    row = "statement,US,,2025,,Synthetic policy paraphrase,,Actor 2,,expert,,commentary,,https://example.org/s/2,Publisher 2,,,,"
    import_records(csv(row))
    st = Statement.objects.get()
    assert st.arrangements.count() == 0 and st.date_iso == "2025"


def test_row_type_rules():
    rows = [
        "statement,US,AO,2025-01-10,,,,Actor 1,,,,denies,,https://example.org/s/1,Publisher 1,,,,",  # no quote/note
        "statement,US,AO,2025-01-10,,Note,,,,,,denies,,https://example.org/s/2,Publisher 1,,,,",  # no actor
        "statement,US,AO,2025-01-10,,Note,5,Actor 1,,,,denies,,https://example.org/s/3,Publisher 1,,,,",  # people
        "status_change,US,AO;BJ,2025-01-10,reported,,,,,,,,,https://example.org/s/4,Publisher 1,,,,",  # two countries
        "status_change,US,AO,2025-01-10,,,,,,,,,,https://example.org/s/5,Publisher 1,,,,",  # no status
        "status_change,US,AO,2025-01-10,reported,,,Actor 1,,,,,,https://example.org/s/6,Publisher 1,,,,",  # actor lost
        "status_change,US,AO,2025-01-10,reported,,,,,,,,,https://example.org/s/7,,,,,",  # no publisher
    ]
    with pytest.raises(ImportError_) as exc:
        import_records(csv(*rows))
    text = "\n".join(exc.value.problems)
    assert "line 2, column quote: a statement needs a quote or a note" in text
    assert "line 3, column actor: required on a statement row" in text
    assert "line 4, column people: not used on a statement row" in text
    assert "line 5, column receiving_country: a status_change row names one country" in text
    assert "line 6, column status: required on a status_change row" in text
    assert "line 7, column actor: not used on a status_change row" in text
    assert "line 8, column source_publisher: required" in text


def test_existing_source_and_actor_are_reused_and_differences_warned():
    first = "statement,US,AO,2025-01-10,,Note 1,,Actor 1,Spokesperson,embassy,AO,denies,,https://example.org/s/1,Publisher 1,Title 1,,,"
    second = "statement,US,BJ,2025-01-11,,Note 2,,actor 1,Ambassador,embassy,AO,denies,,https://EXAMPLE.org/s/1/,Publisher 9,Title 1,,,"
    report = import_records(csv(first, second))
    assert Actor.objects.count() == 1 and Source.objects.count() == 1
    assert Actor.objects.get().role == "Spokesperson" and Source.objects.get().publisher == "Publisher 1"
    assert any("role" in w and "Ambassador" in w for w in report.warnings)
    assert any("publisher" in w and "Publisher 9" in w for w in report.warnings)


def test_rows_sharing_an_import_ref_are_one_event_with_several_sources():
    rows = [CHANGE + "ref-9", CHANGE.replace("/r/1", "/r/2").replace("Publisher 1", "Publisher 2") + "ref-9"]
    report = import_records(csv(*rows))
    assert (report.created, report.sources_added) == (1, 1)
    assert StatusChange.objects.get().sources.count() == 2


def test_an_import_ref_reused_for_a_different_record_is_an_error():
    rows = [CHANGE + "ref-9", CHANGE.replace(",reported,", ",agreed,") + "ref-9"]
    with pytest.raises(ImportError_) as exc:
        import_records(csv(*rows))
    assert exc.value.problems[0].startswith("line 3, column import_ref: already used on line 2")


def test_quoted_fields_with_commas_and_newlines():
    row = 'status_change,US,AO,2025-01-10,reported,"Line one, with comma\nline two ""quoted""",,,,,,,,https://example.org/q,Publisher 1,,,,'
    import_records(csv(row))
    assert StatusChange.objects.get().note == 'Line one, with comma\nline two "quoted"'


def test_line_numbers_count_physical_lines_after_a_multiline_cell():
    row = 'status_change,US,AO,2025-01-10,reported,"one\ntwo\nthree",,,,,,,,https://example.org/q,Publisher 1,,,,'
    with pytest.raises(ImportError_) as exc:
        import_records(csv(row, CHANGE.replace(",reported,", ",bogus,")))
    assert exc.value.problems[0].startswith("line 5, column status:")


def test_empty_file_and_missing_required_columns():
    with pytest.raises(ImportError_) as exc:
        import_records(b"")
    assert "empty" in exc.value.problems[0]
    with pytest.raises(ImportError_) as exc:
        import_records(b"record_type,sending_state\nstatus_change,US\n")
    assert "line 1: the required column date is missing" in exc.value.problems


def test_command_reports_problems_and_fails(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv(CHANGE.replace(",AO,", ",Atlantis,")))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_records", str(bad))
    assert "line 2, column receiving_country" in capsys.readouterr().err
    assert StatusChange.objects.count() == 0
