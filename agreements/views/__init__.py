"""Server-rendered views, split by concern: public pages, research lists, the editor area, health."""

from .compare import compare_export, compare_page
from .editor import (
    editor_check_source,
    editor_correct,
    editor_home,
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
from .pages import actor, changes, countries, country, country_panel, export_records, home, status_css
from .pictures import country_card, map_png, map_svg
from .research import research_export, research_list

__all__ = [
    "actor",
    "changes",
    "compare_export",
    "compare_page",
    "countries",
    "country",
    "country_card",
    "country_panel",
    "editor_check_source",
    "editor_correct",
    "editor_home",
    "editor_required",
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
    "research_export",
    "research_list",
    "status_css",
]
