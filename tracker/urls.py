"""URL configuration: the public site and API (agreements), the admin, logins, the OpenAPI schema and its docs."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agreements.caching import cached_response
from agreements.i18n import switch_language

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switcher: the same page in another language, the choice remembered (agreements.i18n).
    path("language/<slug:language>/", switch_language, name="switch-language"),
    path("api/schema/", cached_response(SpectacularAPIView.as_view()), name="schema"),
    # Swagger UI (third-party, served by the project) sets inline styles and data: icons: allowed on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:"]})(
            cached_response(SpectacularSwaggerSplitView.as_view(url_name="schema"))
        ),
        name="api-docs",
    ),
]
# Every page in every language: English unprefixed, Spanish under /es/.
urlpatterns += i18n_patterns(
    # Log in and out only. No self-service password reset: anyone could make it mail any editor, as often as they
    # liked, and editors are few. An admin sets a new password instead (README, "Editors").
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("agreements.urls")),
    prefix_default_language=False,
)
