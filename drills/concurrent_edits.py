"""Concurrent edits: two editors saving the same arrangement at once lose nothing.

- Two processes record 25 status changes each (1 person transferred in each) on one arrangement at the same time:
  all 50 land, in order, the derived total counts all 50, and the history has 50 new entries.
- Two editors correct the same record from the same version at once: one lands, the other is told the record
  changed; the history holds exactly the one correction.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys

sys.path.insert(0, ".")
import drills.common as c
from scripts.processes import exit_on_termination

EACH = 25


def writer(label: str, barrier) -> None:
    c.django_setup()
    from agreements import services

    source = services.get_or_create_source(url=f"https://example.org/drill/concurrent/{label}", publisher="Drill").obj
    barrier.wait()
    for n in range(EACH):
        services.record_status_change(
            sending_state="US",
            receiving_country="SV",
            status="implemented",
            date=dt.date(2025, 4, 1),
            people=1,
            note=f"Drill transfer {label}-{n}",
            sources=[source],
            reason=f"drill {label}",
        )


def corrector(label: str, version: int, barrier, results) -> None:
    c.django_setup()
    from django.core.exceptions import ValidationError

    from agreements import services
    from agreements.models import Source

    source = Source.objects.get(publisher="EFE")
    barrier.wait()
    try:
        services.correct_record(
            obj=source,
            changes={"title": f"Drill title by {label}"},
            user=None,
            reason=f"drill correction {label}",
            expected_version=version,
        )
        results.put((label, "saved"))
    except ValidationError as exc:
        results.put((label, "refused: " + exc.messages[0][:60]))


def main() -> int:
    c.django_setup()
    from agreements import services
    from agreements.models import Arrangement, Source, StatusChange

    arrangement = Arrangement.objects.get(sending_state="US", receiving_country="SV")
    people_before = arrangement.people_transferred or 0
    changes_before = StatusChange.objects.filter(arrangement=arrangement).count()
    history_before = StatusChange.history.filter(arrangement_id=arrangement.pk).count()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    processes = [context.Process(target=writer, args=(label, barrier)) for label in ("a", "b")]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
    arrangement.refresh_from_db()
    landed = StatusChange.objects.filter(arrangement=arrangement).count() - changes_before
    history = StatusChange.history.filter(arrangement_id=arrangement.pk).count() - history_before
    people = (arrangement.people_transferred or 0) - people_before

    source = Source.objects.get(publisher="EFE")
    version = services.record_version(source)
    results = context.Queue()
    barrier = context.Barrier(2)
    processes = [context.Process(target=corrector, args=(label, version, barrier, results)) for label in ("x", "y")]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
    outcomes = sorted(results.get(timeout=5)[1].split(":")[0] for _ in processes)
    corrections = Source.history.filter(id=source.pk, history_change_reason__startswith="drill correction").count()
    figures = {
        "status_changes_landed": landed,
        "history_entries": history,
        "people_added": people,
        "exit_codes": [p.exitcode for p in processes],
        "simultaneous_corrections": outcomes,
        "corrections_in_history": corrections,
    }
    ok = (
        landed == 2 * EACH
        and history == 2 * EACH
        and people == 2 * EACH
        and outcomes == ["refused", "saved"]
        and corrections == 1
    )
    return c.report("concurrent-edits", ok, figures)


if __name__ == "__main__":
    exit_on_termination()  # a SIGTERM still runs the finally blocks that stop its servers and workers
    sys.exit(main())
