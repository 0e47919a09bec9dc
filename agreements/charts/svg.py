"""Building blocks every chart shares: the accessible SVG root, escaped elements, numbers, status colours, labels.

Elements are built with xml.etree, whose serialiser escapes every text and attribute value; `clean` also drops
the characters XML 1.0 forbids, so a hostile label can neither break out of its element nor make the file invalid.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from agreements.models import Arrangement
from agreements.templatetags.tracker import status_label

SVG_NS = "http://www.w3.org/2000/svg"
# DejaVu Sans first: the rasteriser ships it (raster.py), so PNGs look the same on every machine.
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
INK = "#1d1f21"
MUTED = "#5b6168"
LINE = "#d6d9dc"
OCEAN = "#dbe6ee"
NO_REPORTS = gettext_lazy("No reports")
# Legend order: the taxonomy's own order (Arrangement.Status), then "No reports".
STATUSES: tuple[str, ...] = tuple(Arrangement.Status.values)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

__all__ = ["FONT", "NO_REPORTS", "STATUSES", "colour", "element", "label", "num", "root", "serialize", "status_label"]


def clean(value: object) -> str:
    """Text safe to put in XML: the characters XML 1.0 forbids (NUL, most control characters) removed."""
    return _NOT_XML.sub("", str(value))


def num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zeros (`12`, `12.5`, `-0.3`)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def colour(status: str) -> str:
    """The fill of a status, the same as on the map page; "No reports" for an empty or unknown status."""
    return Arrangement.COLOURS.get(status, Arrangement.NO_REPORTS_COLOUR)  # type: ignore[call-overload]


def label(status: str) -> str:
    """The reader's label of a status ("Transfers under way"), or "No reports"."""
    return status_label(status)


def element(parent: ET.Element | None, tag: str, text: str | None = None, /, **attrs: object) -> ET.Element:
    """An SVG element with its attributes (`font_size=` → `font-size`, `class_=` → `class`; None is left out)."""
    values = {
        name.rstrip("_").replace("_", "-"): num(value) if isinstance(value, float) else clean(value)
        for name, value in attrs.items()
        if value is not None
    }
    el = ET.Element(tag, values) if parent is None else ET.SubElement(parent, tag, values)
    if text is not None:
        el.text = clean(text)
    return el


def titled(parent: ET.Element, tag: str, title: str, desc: str | None = None, /, **attrs: object) -> ET.Element:
    """A shape whose first child is its <title> (and <desc>): what a screen reader or a hover tells."""
    el = element(parent, tag, **attrs)
    element(el, "title", title)
    if desc:
        element(el, "desc", desc)
    return el


def root(*, width: int, height: int, title: str, desc: str, responsive: bool = False, **attrs: object) -> ET.Element:
    """The <svg> element: viewBox in px, role="img" with its <title> and <desc> first.

    `responsive` sets width="100%" and leaves the height to the viewBox's aspect ratio (for pages); otherwise the
    picture has a fixed size in px (for files, share cards and the rasteriser).
    """
    svg = element(
        None,
        "svg",
        xmlns=SVG_NS,
        viewBox=f"0 0 {width} {height}",
        width="100%" if responsive else width,
        height=None if responsive else height,
        role="img",
        font_family=FONT,
        **attrs,
    )
    element(svg, "title", title)
    element(svg, "desc", desc)
    return svg


def serialize(svg: ET.Element) -> str:
    """The SVG text (UTF-8 without an XML declaration, so it can also be inlined in HTML)."""
    return ET.tostring(svg, encoding="unicode")


def text_width(text: str, size: float) -> float:
    """An estimate of a label's width in px, for laying out columns (DejaVu Sans averages ~0.6 em)."""
    return len(text) * size * 0.6


def shorten(text: str, width: float, size: float) -> str:
    """A label cut to fit `width` px, ending in "…" (the full text stays in the shape's <title>)."""
    if text_width(text, size) <= width:
        return text
    return text[: max(1, int(width / (size * 0.6)) - 1)].rstrip() + "…"


def join(parts: Iterable[str], last: str = " and ") -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(parts)
    return last.join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)
