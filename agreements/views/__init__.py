"""Server-rendered views, split by concern: public pages, research lists, the editor area, health."""

from .archive import capture_text, capture_warc, editor_archive_source, editor_resolve_drift, source
from .compare import compare_export, compare_page
from .data import data_index, release_zip
from .editor import (
    editor_check_source,
    editor_correct,
    editor_home,
    editor_records_check,
    editor_required,
    editor_retract,
    editor_source_lookup,
    editor_statement,
    editor_status_change,
    editor_term,
    editor_verify,
)
from .embeds import embed_country, embed_map
from .health import healthz, healthz_live
from .leads import editor_add_watch, editor_lead_action, editor_leads
from .pages import actor, changes, countries, country, country_panel, export_records, home, status_css, timeline
from .pictures import country_card, map_png, map_svg
from .research import research_export, research_list

__all__ = [
    "actor",
    "capture_text",
    "capture_warc",
    "changes",
    "compare_export",
    "compare_page",
    "countries",
    "country",
    "country_card",
    "country_panel",
    "data_index",
    "editor_add_watch",
    "editor_archive_source",
    "editor_check_source",
    "editor_correct",
    "editor_home",
    "editor_lead_action",
    "editor_leads",
    "editor_records_check",
    "editor_required",
    "editor_resolve_drift",
    "editor_retract",
    "editor_source_lookup",
    "editor_statement",
    "editor_status_change",
    "editor_term",
    "editor_verify",
    "embed_country",
    "embed_map",
    "export_records",
    "healthz",
    "healthz_live",
    "home",
    "map_png",
    "map_svg",
    "release_zip",
    "research_export",
    "research_list",
    "source",
    "status_css",
    "timeline",
]
