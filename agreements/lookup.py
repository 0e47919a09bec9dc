"""Paste a URL, get the source: a page not on record is fetched through the safe fetcher and its metadata (JSON-LD
`NewsArticle`, Open Graph, `<meta>` tags, `<time>`) read with lxml into the source fields an editor confirms or edits.

Nothing is guessed: a field the page does not state is left empty and named in `missing`. A syndicated copy that
names its original (JSON-LD `sourceOrganization`, or a wire agency in the byline) pre-fills the origin.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from django.conf import settings
from django.core.exceptions import ValidationError

from . import fetcher, services
from .models import Source
from .services.checks import name_key

ARTICLE_TYPES = {"newsarticle", "reportagenewsarticle", "analysisnewsarticle", "article", "blogposting", "report"}
NEWS_TYPES = {"newsarticle", "reportagenewsarticle", "analysisnewsarticle"}
# Wire agencies whose name in a byline marks a copy of their reporting (as the record cites them).
WIRES = {
    "reuters": "Reuters",
    "associated press": "Associated Press",
    "ap": "Associated Press",
    "afp": "AFP",
    "agence france-presse": "AFP",
    "efe": "EFE",
    "dpa": "dpa",
    "ansa": "ANSA",
    "xinhua": "Xinhua",
    "bloomberg": "Bloomberg",
}
WIRE_WORDS = re.compile(r"\b(" + "|".join(sorted(map(re.escape, WIRES), key=len, reverse=True)) + r")\b", re.I)
GOVERNMENT_HOST = re.compile(r"(^|\.)(gov|gob|gouv|govt|gv)(\.[a-z]{2,3})*$|\.gov\.[a-z]{2}$")
ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
FIELDS = ("publisher", "title", "published", "kind", "origin")


@dataclass
class Lookup:
    """What a look-up found: the fields (empty when not found), which were not found, and whether the page could
    be read at all (`error` says why not)."""

    url: str
    exists: bool = False
    fields: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        fields = {name: self.fields.get(name, "") for name in FIELDS}
        return {"url": self.url, "exists": self.exists, **fields, "missing": self.missing, "error": self.error}


def look_up(url: str) -> Lookup:
    """The source fields for `url`: those on record when it is a source already, else from the fetched page.
    A URL that is not http/https raises ValidationError naming `url`."""
    url = services.clean_http_url(url, field="url")
    source = Source.objects.by_url(url).first()
    if source is not None:
        on_record = {
            "publisher": source.publisher,
            "title": source.title,
            "published": source.published.isoformat() if source.published else "",
            "kind": source.kind,
            "origin": source.origin,
        }
        return Lookup(url=url, exists=True, fields=on_record)
    result = fetcher.fetch(url, max_bytes=settings.LOOKUP_MAX_BYTES, deadline=settings.LOOKUP_TIMEOUT)
    if result.problem:
        return Lookup(url=url, error=f"The page could not be read: {result.error}.", missing=list(FIELDS))
    if result.truncated:
        limit = settings.LOOKUP_MAX_BYTES
        return Lookup(
            url=url, error=f"The page is over the size cap ({limit:,} bytes): not read.", missing=list(FIELDS)
        )
    if result.status != 200:
        return Lookup(url=url, error=f"The page answered HTTP {result.status}.", missing=list(FIELDS))
    found = page_metadata(result.body, result.final_url)
    fields = {name: found.get(name, "") for name in FIELDS}
    missing = [name for name in FIELDS if not fields[name] and name != "origin"]
    return Lookup(url=url, fields=fields, missing=missing)


def page_metadata(body: bytes, url: str) -> dict[str, str]:
    """publisher, title, published (YYYY-MM-DD), kind and origin as the page states them (absent: not stated)."""
    try:
        tree = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return {}
    meta = _meta(tree)
    article = _json_ld_article(tree)
    out: dict[str, str] = {}
    out["title"] = _first(_text(article.get("headline")), meta.get("og:title"), meta.get("twitter:title"), _title(tree))
    out["publisher"] = _first(
        _name(article.get("publisher")), meta.get("og:site_name"), meta.get("dc.publisher"), meta.get("publisher")
    )
    time_value = next((str(value) for value in tree.xpath("//time/@datetime")), "")
    out["published"] = _first(
        *(
            _day(value)
            for value in (
                _text(article.get("datePublished")),
                meta.get("article:published_time"),
                meta.get("datepublished"),
                meta.get("pubdate"),
                meta.get("date"),
                meta.get("dc.date"),
                meta.get("dcterms.date"),
                time_value,
            )
        )
    )
    out["kind"] = _kind(article, meta, url)
    byline = " ".join(
        filter(None, [_name(article.get("author")), meta.get("author", ""), meta.get("byline", ""), _bylines(tree)])
    )
    origin = _first(_name(article.get("sourceOrganization")), _wire(byline))
    if origin and name_key(origin) != name_key(out["publisher"]):
        out["origin"] = origin
    return {name: value for name, value in out.items() if value}


def _meta(tree: Any) -> dict[str, str]:
    """<meta> tags by property or name (lower case); the first of each wins."""
    found: dict[str, str] = {}
    for tag in tree.xpath("//meta[@content]"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        value = " ".join(tag.get("content", "").split())
        if key and value:
            found.setdefault(key, value)
    return found


def _json_ld_article(tree: Any) -> dict[str, Any]:
    """The first JSON-LD item of an article type (in a list or an @graph); {} when there is none."""
    items: list[Any] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "null")
        except ValueError:
            continue
        pending = [data]
        while pending:
            item = pending.pop(0)
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                items.append(item)
                pending.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
    for item in items:
        if _types(item) & ARTICLE_TYPES:
            return item
    return {}


def _types(item: dict[str, Any]) -> set[str]:
    types = item.get("@type", [])
    return {str(t).lower() for t in ([types] if isinstance(types, str) else types)}


def _kind(article: dict[str, Any], meta: dict[str, str], url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    publisher = article.get("publisher")
    if GOVERNMENT_HOST.search(host) or (isinstance(publisher, dict) and "governmentorganization" in _types(publisher)):
        return Source.Kind.OFFICIAL_STATEMENT.value
    if _types(article) & NEWS_TYPES or meta.get("og:type", "").lower() == "article":
        return Source.Kind.NEWS_REPORT.value
    return ""


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _name(value: Any) -> str:
    """The name of a JSON-LD person or organisation (or a list of them: the first), or a plain string."""
    if isinstance(value, list):
        return _first(*(_name(v) for v in value))
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _title(tree: Any) -> str:
    titles = tree.xpath("//title")
    return " ".join(titles[0].text_content().split()) if titles else ""


def _bylines(tree: Any) -> str:
    nodes = tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' byline ') or @rel='author']")
    return " ".join(" ".join(node.text_content().split()) for node in nodes[:3])


def _wire(byline: str) -> str:
    match = WIRE_WORDS.search(byline)
    return WIRES[match.group(1).lower()] if match else ""


def _day(value: str | None) -> str:
    """YYYY-MM-DD from an ISO date or date-time, "" when it is not one (or not a real day)."""
    match = ISO_DAY.search(value or "")
    if not match:
        return ""
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return ""


def _first(*values: str | None) -> str:
    return next((value for value in values if value), "")


def lookup_or_error(url: str) -> tuple[Lookup | None, str]:
    """(the look-up, "") or (None, the error naming the field) for a URL that is not http/https."""
    try:
        return look_up(url), ""
    except ValidationError as exc:
        return None, exc.message_dict["url"][0]
