"""Update the translation catalogues from the marked strings: `make messages` (needs gettext's xgettext and msgmerge).

New strings arrive with an empty msgstr (and strings close to an old one with a "fuzzy" guess): translate them in
`locale/<lang>/LC_MESSAGES/django.po`, remove the fuzzy flag, and `make run` or `make test` compiles the result.
A test runs this against a copy of the catalogue and fails while anything marked is missing from it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["es"]
# Only the app's own code and templates: not the virtualenv, generated files, tests or tools.
IGNORED = [".venv/*", "var/*", "staticfiles/*", "bench/*", "drills/*", "tests/*", "scripts/*", "artifacts/*", "build/*"]


def update(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run makemessages for every language (the environment may name other settings, e.g. another LOCALE_PATHS)."""
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"]
    command += [f"--locale={language}" for language in LANGUAGES]
    command += [f"--ignore={pattern}" for pattern in IGNORED]
    return subprocess.run(command, cwd=ROOT, env=env or os.environ.copy(), capture_output=True, text=True, check=False)


if __name__ == "__main__":
    result = update()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    sys.exit(result.returncode)
