"""The write path. Views, forms, the API, the admin and the importer change data only through these functions.

Split by seam: `records` (single-record writes), `bulk` (the import engine), `derived` (each arrangement's stored
state), `events` (the one builder of status changes and statements), `checks` (shared validation) and `archive`
(captures of sources and the drift queue). Callers import from here.
"""

from ..caching import bump_data_version, data_changed, data_version
from .archive import archive_on_record, close_drift, record_capture, record_drift, storage
from .bulk import BulkResult, EventRow, record_events
from .checks import (
    MAX_INT,
    MAX_TEXT,
    Nationalities,
    User,
    check_nationalities,
    clean_http_url,
    content_key,
    name_key,
    normalize_url,
    resolve_country,
    set_source_keys,
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
    "Nationalities",
    "User",
    "add_sources",
    "archive_on_record",
    "bump_data_version",
    "check_nationalities",
    "clean_http_url",
    "close_drift",
    "content_key",
    "correct_record",
    "data_changed",
    "data_version",
    "get_or_create_actor",
    "get_or_create_arrangement",
    "get_or_create_source",
    "log_statement",
    "name_key",
    "normalize_url",
    "recompute_deadlines",
    "record_capture",
    "record_drift",
    "record_events",
    "record_status_change",
    "record_term",
    "record_version",
    "refresh_arrangements",
    "resolve_country",
    "retract_record",
    "set_source_keys",
    "statement_key",
    "status_change_key",
    "storage",
    "verify_arrangement",
    "whole_number",
]
