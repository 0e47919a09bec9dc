"""python manage.py release: publish the next numbered dataset release if the data changed (as the beat job)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from agreements import releases


class Command(BaseCommand):
    help = "Publish a numbered, immutable dataset release (Data Package zip, changelog, citation) if the data changed."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            release = releases.publish()
        except releases.ReleaseError as exc:
            raise CommandError(str(exc)) from None
        if release is None:
            self.stdout.write("No change since the latest release: no new release.")
            return
        changes = release.changes
        summary = (
            "first release"
            if changes.get("first")
            else ", ".join(f"{len(changes[k])} {k}" for k in ("added", "changed", "retracted", "removed"))
        )
        self.stdout.write(
            f"Release {release.number} published: {release.file} ({release.size:,} bytes, SHA-256 {release.sha256}); "
            f"{summary}."
        )
