"""How to cite a page: APA, Chicago and BibTeX, with the page's permanent URL, the data edition and the access date.

The data edition is the moment of the latest edit to the public record, in UTC to the microsecond as the history
records it (`2026-11-28T07:40:33.387548Z`).
Why not the cache's data-version token: that token is random, is replaced when the cache is flushed and differs
between installations holding the same data, so a reader could never check it. The edition changes with every edit
and only then, reads the same everywhere, and names a point on the public record of edits (`/changes/`): a reader
can see which edits a citation includes. It is one query (an indexed MAX per kind of record, joined with UNION ALL).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext

from .localize import is_default_language, long_date
from .models import PUBLIC_HISTORY
from .querysets import latest_edit

SITE = "Third-Country Tracker"
NO_EDITION = "empty record"
_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def data_edition() -> str:
    """The data edition: the latest edit's time (`2026-11-28T07:40:33.387548Z`), or "empty record" before any.

    One query, every time (not cached): cheap (an indexed MAX per history table), always true even after a bulk
    write that bypassed the data version, and a page's query count does not depend on what a cache holds."""
    moment = latest_edit(PUBLIC_HISTORY)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else NO_EDITION


def _us_date(day: dt.date) -> str:
    """A date as APA and Chicago write access dates: November 28, 2026 (28 de noviembre de 2026 in Spanish)."""
    if not is_default_language():
        return long_date(day)
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _bibtex(text: str) -> str:
    """Text safe inside a BibTeX field: LaTeX's special characters escaped, so no brace can end the field."""
    return _BIBTEX_SPECIAL.sub(lambda m: "\\textbackslash{}" if m.group(1) == "\\" else "\\" + m.group(1), text)


@dataclass(frozen=True)
class Citation:
    """One page's citation in three styles (plain text; templates escape it)."""

    apa: str
    chicago: str
    bibtex: str
    edition: str


def citation(*, title: str, url: str, accessed: dt.date, edition: str) -> Citation:
    """The citation of the page `title` at its permanent `url` (http/https), read on `accessed`."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url: must be an http or https URL, got {url!r}")
    site = gettext(SITE)
    title = " ".join(title.split()) or site
    words = {"site": site, "title": title, "edition": edition, "day": _us_date(accessed), "url": url}
    apa = (
        gettext("%(site)s. (n.d.). %(title)s [Data set, edition %(edition)s]. Retrieved %(day)s, from %(url)s") % words
    )
    chicago = gettext('%(site)s. "%(title)s." Data edition %(edition)s. Accessed %(day)s. %(url)s.') % words
    key = f"tracker-{slugify(title)[:40].strip('-') or 'page'}-{accessed.isoformat()}"
    safe_url = url.replace("{", "%7B").replace("}", "%7D")
    bibtex = "\n".join(
        [
            f"@misc{{{key},",
            f"  author = {{{{{SITE}}}}},",
            f"  title = {{{{{_bibtex(title)}}}}},",
            f"  year = {{{accessed.year}}},",
            f"  version = {{{_bibtex(edition)}}},",
            f"  url = {{{safe_url}}},",
            f"  urldate = {{{accessed.isoformat()}}},",
            f"  note = {{Data edition {_bibtex(edition)}}}",
            "}",
        ]
    )
    return Citation(apa=apa, chicago=chicago, bibtex=bibtex, edition=edition)
