"""What every page says about itself when shared, embedded or cited: the values `templates/base.html` shows.

`share` (a context processor) gives every page the defaults: its canonical URL (absolute, built from the
request), the map's picture as its share image and the map's embed as its embed snippet. A view overrides any of
them in its context with `share_context(...)`: `share_title`, `share_description`, `share_image`, `embed_url`,
`embed_height`, `permalink` (the URL a citation gives, when it differs from the canonical one).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

DESCRIPTION = _(
    "Which countries have been approached, or have agreed, to take people deported from other countries who are "
    "not their nationals, and what every government said. Every status is backed by sources you can open."
)
MAP_EMBED_HEIGHT = 700  # px at 1200 px wide; the snippet keeps the proportion at any width
CARD_EMBED_HEIGHT = 560


def share(request: HttpRequest) -> dict[str, Any]:
    """Defaults for base.html: canonical URL, share image (the map), embed snippet (the map), description."""
    return {
        "canonical_url": request.build_absolute_uri(request.get_full_path()),
        "share_description": DESCRIPTION,
        "share_image": request.build_absolute_uri(reverse("agreements:map-png")),
        "share_image_alt": _("World map of third-country deportation arrangements, coloured by status"),
        "embed_url": request.build_absolute_uri(reverse("agreements:embed-map")),
        "embed_height": MAP_EMBED_HEIGHT,
        "embed_ratio": True,
        "embed_title": _("Third-Country Tracker: map of third-country deportation arrangements"),
        "embed_what": _("the map"),
    }


def share_context(
    request: HttpRequest,
    *,
    title: str,
    description: str = "",
    image: str = "",
    image_alt: str = "",
    embed: str = "",
    embed_title: str = "",
    embed_what: str = "",
    embed_height: int = 0,
    permalink: str = "",
) -> dict[str, Any]:
    """A page's own share card, embed and citation values; paths are made absolute from the request."""
    values: dict[str, Any] = {"share_title": title}
    if description:
        values["share_description"] = description
    if image:
        values["share_image"] = request.build_absolute_uri(image)
        values["share_image_alt"] = image_alt
    if embed:
        values["embed_url"] = request.build_absolute_uri(embed)
        values["embed_title"] = embed_title or _("Third-Country Tracker: %(title)s") % {"title": title}
        values["embed_what"] = embed_what or title
    if embed_height:
        values["embed_height"] = embed_height
        values["embed_ratio"] = False
    if permalink:
        values["permalink"] = request.build_absolute_uri(permalink)
    return values
