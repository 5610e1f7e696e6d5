import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from households.models import Commune, Lane, Province, Village
from households.selectors import villages_with_counts


class ProvinceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "division_type"]


class CommuneSerializer(serializers.ModelSerializer):
    province = ProvinceSerializer(read_only=True)

    class Meta:
        model = Commune
        fields = ["code", "name", "division_type", "province"]


class VillageSerializer(serializers.ModelSerializer):
    commune = CommuneSerializer(read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    resident_count = serializers.IntegerField(read_only=True)
    lane_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Village
        fields = [
            "id",
            "name",
            "kind",
            "commune",
            "valid_from",
            "valid_until",
            "household_count",
            "resident_count",
            "lane_count",
        ]


class LaneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lane
        fields = ["id", "village", "name", "sort_order"]


@extend_schema_view(
    list=extend_schema(summary="Villages the caller works in, with registry counts"),
    retrieve=extend_schema(summary="One village; 404 when it is not the caller's"),
)
class VillageViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VillageSerializer

    def get_queryset(self) -> QuerySet[Village]:
        return villages_with_counts(user=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="Lanes of the caller's villages",
        parameters=[
            OpenApiParameter("village", OpenApiTypes.UUID, description="Only this village's lanes")
        ],
    ),
    retrieve=extend_schema(summary="One lane; 404 when it is not in the caller's villages"),
)
class LaneViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LaneSerializer

    def get_queryset(self) -> QuerySet[Lane]:
        lanes = Lane.objects.visible_to(self.request.user).order_by("village", "sort_order", "pk")
        village = self.request.query_params.get("village")
        if village:
            try:
                lanes = lanes.filter(village_id=uuid.UUID(village))
            except ValueError as exc:
                raise ValidationError({"village": _("Not a valid village id.")}) from exc
        return lanes
