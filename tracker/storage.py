"""The production static files storage: WhiteNoise's compressed, hashed files, with our ES module imports hashed."""

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Django's patterns for `import … from "./x.js"` (its support_js_module_import_aggregation), applied to the
# project's own modules only: third-party bundles (htmx) hold strings that look like imports and are not.
_IMPORT_PATTERNS = HashedFilesMixin._js_module_import_aggregation_patterns[1]  # type: ignore[attr-defined]


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Every static file by a hashed name (served for a year, `immutable`), including the modules our scripts import
    (`import … from "./mapview.js"` is rewritten to the hashed name, so no module is fetched by a short-lived URL)."""

    patterns = (*CompressedManifestStaticFilesStorage.patterns, ("agreements/*.js", _IMPORT_PATTERNS))
