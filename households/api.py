from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import access_village
from households import services as registry
from households.models import Commune, Lane, Province, Village
from households.registry_api import LaneWriteSerializer, _require_editor, _service
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


class LaneFilterSerializer(serializers.Serializer):
    village = serializers.UUIDField(
        required=False,
        help_text="Only this village's lanes",
        error_messages={"invalid": _("Not a valid village id.")},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Lanes of the caller's villages",
        parameters=[LaneFilterSerializer],
    ),
    retrieve=extend_schema(summary="One lane; 404 when it is not in the caller's villages"),
)
class LaneViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = LaneSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(summary="Add a lane to a village", request=LaneWriteSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = LaneWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "village" not in data.validated_data:
            raise ValidationError({"village": [_("This field is required.")]})
        village = access_village(user=request.user, village_id=data.validated_data["village"])
        _require_editor(request, village.pk)
        lane = _service(
            registry.lane_create,
            request,
            village=village,
            name=data.validated_data["name"],
            sort_order=data.validated_data.get("sort_order", 0),
        )
        return Response(LaneSerializer(lane).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Rename a lane", request=LaneWriteSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lane = self.get_object()
        _require_editor(request, lane.village_id)
        data = LaneWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "name" in data.validated_data:
            lane = _service(
                registry.lane_rename, request, lane=lane, name=data.validated_data["name"]
            )
        return Response(LaneSerializer(lane).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Lane]:
        lanes = (
            Lane.objects.visible_to(self.request.user)
            .alive()
            .order_by("village", "sort_order", "pk")
        )
        if self.action == "list":
            params = LaneFilterSerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            if "village" in params.validated_data:
                lanes = lanes.filter(village_id=params.validated_data["village"])
        return lanes
