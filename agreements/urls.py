"""URLs of the domain app: pages, exports and the /api/v1/ read API."""

from django.urls import path, re_path

from . import api, api_newsdesk, api_transfers, feeds, views
from .caching import cached_response as cached
from .lists import SPECS
from .views import subscriptions
from .views.embeds import frame_ancestors

app_name = "agreements"
LISTS = "|".join(SPECS)
urlpatterns = [
    path("", cached(views.home), name="home"),
    path("timeline/", cached(views.timeline), name="timeline"),
    path("countries/", cached(views.countries), name="countries"),
    path("countries/<str:iso2>/", cached(views.country), name="country"),
    path("countries/<str:iso2>/panel/", cached(views.country_panel), name="country-panel"),
    path("actors/<slug:slug>/", cached(views.actor), name="actor"),
    path("sources/<int:pk>/", cached(views.source), name="source"),
    path("sources/<int:pk>/archive.txt", views.capture_text, name="source-archive-text"),
    path("sources/<int:pk>/archive.warc.gz", views.capture_warc, name="source-archive-warc"),
    path("sources/<int:pk>/captures/<int:capture>.txt", views.capture_text, name="capture-text"),
    path("sources/<int:pk>/captures/<int:capture>.warc.gz", views.capture_warc, name="capture-warc"),
    path("data/", cached(views.data_index), name="data"),
    path("data/tracker-data-<int:number>.zip", views.release_zip, name="release-zip"),
    re_path(rf"^(?P<slug>{LISTS})/$", cached(views.research_list), name="list"),
    re_path(
        rf"^(?P<slug>{LISTS})/export\.(?P<fmt>csv|json|geojson)$", cached(views.research_export), name="list-export"
    ),
    path("feeds/changes/", cached(feeds.ChangesFeed()), name="feed-changes"),
    re_path(r"^feeds/(?P<slug>statements|arrangements)/$", cached(feeds.ListFeed()), name="feed-list"),
    path("changes/", cached(views.changes), name="changes"),
    path("editor/", views.editor_home, name="editor"),
    path("editor/statement/", views.editor_statement, name="editor-statement"),
    path("editor/status-change/", views.editor_status_change, name="editor-status-change"),
    path("editor/term/", views.editor_term, name="editor-term"),
    path("editor/leads/", views.editor_leads, name="editor-leads"),
    re_path(
        r"^editor/leads/(?P<pk>[0-9]+)/(?P<action>dismiss|snooze)/$",
        views.editor_lead_action,
        name="editor-lead-action",
    ),
    re_path(r"^editor/watch/(?P<what>feed|keyword)/$", views.editor_add_watch, name="editor-add-watch"),
    path("editor/records-check/", views.editor_records_check, name="editor-records-check"),
    path("editor/arrangements/<int:pk>/verify/", views.editor_verify, name="editor-verify"),
    path("editor/<slug:kind>/<int:pk>/correct/", views.editor_correct, name="editor-correct"),
    path("editor/<slug:kind>/<int:pk>/retract/", views.editor_retract, name="editor-retract"),
    path("editor/source/<int:pk>/check/", views.editor_check_source, name="editor-check-source"),
    path("editor/source/<int:pk>/archive/", views.editor_archive_source, name="editor-archive-source"),
    path("editor/source/<int:pk>/drift/", views.editor_resolve_drift, name="editor-resolve-drift"),
    path("editor/source-lookup/", views.editor_source_lookup, name="editor-source-lookup"),
    path("subscribe/", subscriptions.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", subscriptions.confirm, name="subscription-confirm"),
    path("subscribe/unsubscribe/<str:token>/", subscriptions.unsubscribe, name="subscription-unsubscribe"),
    path("export/records.csv", cached(views.export_records), name="export-records"),
    path("styles/status.css", cached(views.status_css), name="status-css"),
    path("healthz/live", views.healthz_live, name="healthz-live"),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/arrangements/", cached(api.ArrangementList.as_view()), name="api-arrangements"),
    path("api/v1/statements/", cached(api.StatementList.as_view()), name="api-statements"),
    path("api/v1/status-changes/", cached(api.StatusChangeList.as_view()), name="api-status-changes"),
    path("api/v1/transfers/", cached(api_transfers.TransferList.as_view()), name="api-transfers"),
    path("api/v1/sources/", cached(api.SourceList.as_view()), name="api-sources"),
    path("api/v1/sources/lookup/", api_newsdesk.SourceLookup.as_view(), name="api-source-lookup"),
    path("api/v1/actors/", cached(api.ActorList.as_view()), name="api-actors"),
    path("api/v1/countries/", cached(api.CountryList.as_view()), name="api-countries"),
    path("api/v1/map/", cached(api.MapView.as_view()), name="api-map"),
    path("api/v1/changes/", cached(api.ChangeList.as_view()), name="api-changes"),
]
# For the newsroom: what changed between two dates, pictures, and the only routes another site may frame.
urlpatterns += [
    path("changes/compare/", cached(views.compare_page), name="compare"),
    re_path(r"^changes/compare/export\.(?P<fmt>csv|json)$", cached(views.compare_export), name="compare-export"),
    path("map.svg", cached(views.map_svg), name="map-svg"),
    path("map.png", cached(views.map_png), name="map-png"),
    path("countries/<str:iso2>/card.png", cached(views.country_card), name="country-card"),
    path("embed/map/", frame_ancestors(cached(views.embed_map)), name="embed-map"),
    path("embed/countries/<str:iso2>/", frame_ancestors(cached(views.embed_country)), name="embed-country"),
]
