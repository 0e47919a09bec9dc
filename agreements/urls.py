"""URLs of the domain app: pages, exports and the /api/v1/ read API."""

from django.urls import path

from . import api, views

app_name = "agreements"
urlpatterns = [
    path("", views.home, name="home"),
    path("countries/", views.countries, name="countries"),
    path("countries/<str:iso2>/", views.country, name="country"),
    path("actors/<slug:slug>/", views.actor, name="actor"),
    path("export/records.csv", views.export_records, name="export-records"),
    path("styles/status.css", views.status_css, name="status-css"),
    path("healthz/live", views.healthz_live, name="healthz-live"),
    path("api/v1/arrangements/", api.ArrangementList.as_view(), name="api-arrangements"),
    path("api/v1/map/", api.MapView.as_view(), name="api-map"),
    path("api/v1/map/<str:iso2>/", api.MapPanelView.as_view(), name="api-map-panel"),
]
