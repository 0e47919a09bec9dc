"""Build agreements/charts/fonts/: DejaVu Sans (regular and bold) cut down to the Latin scripts the pictures use.

The rasteriser (agreements/charts/raster.py) renders text only with the fonts it is given, so the PNGs look the
same on a laptop, in CI and in the python:3.11-slim image (which has no fonts at all). Run once when the set of
characters should change; needs Debian's fonts-dejavu-core and fontTools (`pip install fonttools`):

    python scripts/build_chart_fonts.py
"""

import shutil
from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "agreements" / "charts" / "fonts"
SOURCE = Path("/usr/share/fonts/truetype/dejavu")
LICENSE = Path("/usr/share/doc/fonts-dejavu-core/copyright")
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
# Latin (basic, supplement, extended A/B and additional), combining accents, punctuation, arrows, math signs:
# every country name in fixtures/countries.json and every label the charts write.
UNICODES = "U+0020-007E,U+00A0-024F,U+0300-036F,U+1E00-1EFF,U+2010-205E,U+2190-2199,U+2212,U+2264-2265"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in FONTS:
        subset.main(
            [str(SOURCE / name), f"--unicodes={UNICODES}", "--layout-features=*", f"--output-file={OUT / name}"]
        )
        print(f"{name}: {(OUT / name).stat().st_size // 1024} KB")
    shutil.copyfile(LICENSE, OUT / "LICENSE")


if __name__ == "__main__":
    main()
