"""The write path. Views, forms, the API, the admin and the importer change data only through these functions.

Split by seam: `records` (single-record writes), `bulk` (the import engine), `derived` (each arrangement's stored
state), `events` (the one builder of status changes and statements) and `checks` (shared validation). Callers
import from here.
"""

from ..caching import bump_data_version, data_changed, data_version
from .bulk import BulkResult, EventRow, record_events
from .checks import (
    MAX_INT,
    MAX_TEXT,
    User,
    clean_http_url,
    content_key,
    normalize_url,
    resolve_country,
    statement_key,
    status_change_key,
    whole_number,
)
from .derived import recompute_deadlines, refresh_arrangements
from .records import (
    EDITABLE_FIELDS,
    Found,
    add_sources,
    correct_record,
    get_or_create_actor,
    get_or_create_arrangement,
    get_or_create_source,
    log_statement,
    record_status_change,
    record_term,
    record_version,
    retract_record,
    verify_arrangement,
)

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_INT",
    "MAX_TEXT",
    "BulkResult",
    "EventRow",
    "Found",
    "User",
    "add_sources",
    "bump_data_version",
    "clean_http_url",
    "content_key",
    "correct_record",
    "data_changed",
    "data_version",
    "get_or_create_actor",
    "get_or_create_arrangement",
    "get_or_create_source",
    "log_statement",
    "normalize_url",
    "recompute_deadlines",
    "record_events",
    "record_status_change",
    "record_term",
    "record_version",
    "refresh_arrangements",
    "resolve_country",
    "retract_record",
    "statement_key",
    "status_change_key",
    "verify_arrangement",
    "whole_number",
]
