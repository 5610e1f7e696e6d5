"""The JSON API: the same figures as the village and commune pages."""

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports import access, engine
from reports.forms import parse_as_of
from reports.models import CriteriaSet
from villageportal.forms import error_text

PARAMETERS = [
    OpenApiParameter("date", str, description="YYYY-MM-DD; today when absent"),
    OpenApiParameter("set", int, description="criteria set id; the one in use when absent"),
]


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class IndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    source = serializers.CharField()
    measure = serializers.CharField(allow_null=True)
    available = serializers.BooleanField()
    threshold_kind = serializers.CharField()
    threshold = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    value = serializers.JSONField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)


class CriterionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    passed = serializers.BooleanField()
    indicators = IndicatorSerializer(many=True)


class VillageReportSerializer(serializers.Serializer):
    village = serializers.UUIDField()
    village_name = serializers.CharField()
    as_of = serializers.DateField()
    passed = serializers.BooleanField()
    criteria_passed = serializers.IntegerField()
    criteria_total = serializers.IntegerField()
    criteria = CriterionSerializer(many=True)


class CommuneReportSerializer(serializers.Serializer):
    commune = serializers.IntegerField()
    criteria_set = serializers.IntegerField()
    as_of = serializers.DateField()
    villages = VillageReportSerializer(many=True)


def _criteria_set(request: Request, village: Any = None) -> CriteriaSet:
    raw = request.query_params.get("set")
    if raw:
        try:
            return CriteriaSet.objects.get(pk=int(raw))
        except (CriteriaSet.DoesNotExist, ValueError) as exc:
            raise NotFound from exc
    found = engine.set_for_village(village) if village is not None else None
    if found is None:
        raise NotFound
    return found


def _bad(exc: ValidationError) -> Response:
    return Response({"detail": error_text(exc)}, status=400)


class VillageReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=PARAMETERS,
        responses={200: VillageReportSerializer, 400: DetailSerializer, 404: DetailSerializer},
        operation_id="reports_village",
    )
    def get(self, request: Request, pk: Any) -> Response:
        village = access.access_report_village(user=request.user, pk=pk)
        criteria_set = _criteria_set(request, village)
        try:
            as_of = parse_as_of(request.query_params.get("date"))
            report = engine.evaluate_village(
                criteria_set=criteria_set, village=village, as_of=as_of
            )
        except ValidationError as exc:
            return _bad(exc)
        return Response(report.as_dict())


class CommuneReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=PARAMETERS,
        responses={200: CommuneReportSerializer, 400: DetailSerializer, 404: DetailSerializer},
        operation_id="reports_commune",
    )
    def get(self, request: Request, pk: int) -> Response:
        commune, villages = access.access_commune(user=request.user, pk=pk)
        first = villages.select_related("commune").first()
        criteria_set = _criteria_set(request, first)
        try:
            as_of = parse_as_of(request.query_params.get("date"))
        except ValidationError as exc:
            return _bad(exc)
        reports = engine.evaluate(
            criteria_set=criteria_set, villages=engine.existing_on(villages, as_of), as_of=as_of
        )
        return Response(
            {
                "commune": commune.pk,
                "criteria_set": criteria_set.pk,
                "as_of": as_of.isoformat(),
                "villages": [r.as_dict() for r in reports.values()],
            }
        )
