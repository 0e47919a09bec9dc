"""SVG → PNG for the pictures (`/map.png`, share cards), with resvg through the `resvg-py` wheel.

Why resvg-py: it is the maintained Python binding of resvg (the Rust SVG renderer of the Linebender project) and
installs as one self-contained abi3 wheel (about 1.4 MB, Linux/macOS/Windows) with no system library, so
`make run`, `make test` and the python:3.11-slim image need nothing more; no headless browser is involved. The
alternatives we measured on the 1200x630 world map: CairoSVG needs libcairo from the system (absent from the slim
image) and took ~400 ms; pyvips with `pyvips-binary` took ~130 ms but brings ~18 MB of bundled native libraries
(libvips, librsvg, cairo, pango, fontconfig) and finds fonts through the system's fontconfig. resvg takes ~240 ms,
and the PNG is cached per data version anyway. resvg fetches nothing over the network and runs no script.

Text is rendered only with the fonts shipped in `charts/fonts/` (DejaVu Sans cut down to Latin scripts by
`scripts/build_chart_fonts.py`): the slim image has no fonts at all, and the same fonts everywhere make the same
picture on a laptop, in CI and in production.
"""

from __future__ import annotations

from pathlib import Path

import resvg_py

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = sorted(str(path) for path in FONTS.glob("*.ttf"))
MIN_WIDTH, MAX_WIDTH = 16, 8000


def svg_to_png(svg: str, width: int) -> bytes:
    """Render SVG text as a PNG `width` px wide (the height follows the picture's proportions)."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width: must be between {MIN_WIDTH} and {MAX_WIDTH} px, got {width}")
    png = resvg_py.svg_to_bytes(
        svg_string=svg,
        width=width,
        skip_system_fonts=True,
        font_files=FONT_FILES,
        font_family="DejaVu Sans",
        sans_serif_family="DejaVu Sans",
    )
    return bytes(png)
