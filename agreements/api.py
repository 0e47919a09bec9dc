"""The read API under /api/v1/ (Django REST framework). Writes, where offered, are for editors only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from .dates import format_partial_date
from .filters import ArrangementFilter
from .models import Arrangement


class ArrangementSerializer(serializers.ModelSerializer):
    sending_state = serializers.CharField(source="sending_state_id", help_text="ISO alpha-2.")
    receiving_country = serializers.CharField(source="receiving_country_id", help_text="ISO alpha-2.")
    receiving_country_name = serializers.CharField(source="receiving_country.name")
    status = serializers.ChoiceField(source="at_status", choices=Arrangement.Status.choices)
    status_label = serializers.SerializerMethodField()
    status_since = serializers.SerializerMethodField(help_text="At its precision: 2025, 2025-05 or 2025-05-05.")
    stale = serializers.BooleanField(source="at_stale")
    disputed = serializers.BooleanField(source="at_disputed")
    people_transferred = serializers.IntegerField(source="at_people", allow_null=True)
    sources_count = serializers.IntegerField(
        source="at_sources_count", help_text="Independent publishers backing the status."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Arrangement
        fields = [
            "id",
            "sending_state",
            "receiving_country",
            "receiving_country_name",
            "status",
            "status_label",
            "status_since",
            "stale",
            "disputed",
            "people_transferred",
            "sources_count",
            "url",
        ]

    def get_status_label(self, obj: Arrangement) -> str:
        return str(Arrangement.Status(obj.at_status).label)  # type: ignore[attr-defined]

    @extend_schema_field(str)
    def get_status_since(self, obj: Arrangement) -> str:
        return format_partial_date(obj.at_status_date, obj.at_status_precision)  # type: ignore[attr-defined]

    @extend_schema_field(serializers.URLField())
    def get_url(self, obj: Arrangement) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class ArrangementList(generics.ListAPIView):
    """Arrangements with their status now or, with `as_of`, at the end of a past day."""

    serializer_class = ArrangementSerializer
    filterset_class = ArrangementFilter

    def get_queryset(self) -> Any:
        return Arrangement.objects.select_related("receiving_country").order_by(
            "sending_state_id", "receiving_country_id"
        )
