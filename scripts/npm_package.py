"""Fetch one JSON file out of an npm package, once, for a build script (npm is needed only to rebuild derived data
files; neither `make run` nor `make test` runs this)."""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any


def json_from_npm(package: str, member: str) -> Any:
    """`member` (a path inside the package, e.g. "countries-50m.json") of `package` (e.g. "world-atlas@2")."""
    with tempfile.TemporaryDirectory() as tmp:
        name = subprocess.run(
            ["npm", "pack", package, "--silent"], cwd=tmp, check=True, capture_output=True, text=True
        ).stdout.strip()
        with tarfile.open(Path(tmp) / name) as tar:
            extracted = tar.extractfile(f"package/{member}")
            assert extracted is not None, f"{member} is not in {package}"
            return json.load(extracted)
