"""GET /api/v1/transfers/: who was sent where — the transfers (status changes that moved people) with the
nationalities of those sent and the cumulative totals their sources report. Read only; the writes of transfers
are the status-change and statement writes of agreements.api."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from rest_framework import generics, serializers

from .api import CitedSourceSerializer, StatusChangeSerializer
from .filters import TransferFilter
from .models import ReportedTotal, StatusChange


class ReportedTotalSerializer(serializers.Serializer):
    """A cumulative total of people transferred under the arrangement that a source of the event reports."""

    people = serializers.IntegerField()
    source = CitedSourceSerializer()  # type: ignore[assignment]


class TransferSerializer(StatusChangeSerializer):
    """One transfer: a status change that moved people (a number above 0, or their nationalities), with the name of
    the receiving country and the cumulative totals its sources report."""

    receiving_country_name = serializers.CharField(source="arrangement.receiving_country.name")
    people = serializers.IntegerField(allow_null=True, help_text="People transferred in this event; null: not given.")
    reported_totals = ReportedTotalSerializer(
        many=True, read_only=True, help_text="Cumulative totals for the arrangement reported by its sources."
    )

    class Meta(StatusChangeSerializer.Meta):
        fields = [*StatusChangeSerializer.Meta.fields, "receiving_country_name", "reported_totals"]


class TransferList(generics.ListAPIView):
    """Transfers — status changes that moved people — with the nationalities of those sent, newest first; filter by
    sending state, receiving country, nationality, date range and as_of."""

    serializer_class = TransferSerializer
    filterset_class = TransferFilter

    def get_queryset(self) -> Any:
        return (
            StatusChange.objects.transfers()
            .select_related("arrangement__receiving_country")
            .prefetch_related("sources", Prefetch("reported_totals", ReportedTotal.objects.select_related("source")))
            .with_nationalities()
            .latest_first()
        )
