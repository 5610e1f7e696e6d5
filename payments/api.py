"""The adoption API under /api/v1/adoption/: observations, visits, figures, banks, payment codes.

Records of people are visible to the roles that keep them (village head, officer, digital
team); figures to every staff role; writes go through the same services as the pages.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.access import access_village, villages_visible_to
from households.models import Household, Resident
from payments import services, vietqr
from payments.access import RECORDER_ROLES, access_household
from payments.figures import SPECS
from payments.models import Item, Method, Observation, PaymentCode, Reason, Value, Visit


def _raise(exc: DjangoValidationError) -> None:
    raise ValidationError({"non_field_errors": exc.messages}) from exc


class EntrySerializer(serializers.Serializer):
    resident = serializers.IntegerField(required=False, allow_null=True)
    item = serializers.ChoiceField(choices=Item.choices)
    value = serializers.ChoiceField(choices=Value.choices)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False, allow_blank=True)


class ObservationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Observation
        fields = [
            "id",
            "household",
            "resident",
            "item",
            "value",
            "adopted",
            "reason",
            "observed_on",
            "method",
            "recorded_by",
            "recorded_at",
            "visit",
            "source",
        ]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    observations = ObservationSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "visited_on",
            "visitor_name",
            "helped_with",
            "note",
            "submission_token",
            "created_at",
            "observations",
        ]
        read_only_fields = fields


class VisitWriteSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    visited_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Method.choices)
    submission_token = serializers.UUIDField()
    helped_with = serializers.ListField(
        child=serializers.ChoiceField(choices=Item.choices), required=False
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    entries = EntrySerializer(many=True)


def _entries(household: Household, rows: list[dict]) -> list[services.Entry]:
    ids = {row["resident"] for row in rows if row.get("resident")}
    people = {r.pk: r for r in Resident.objects.filter(pk__in=ids, household=household)}
    entries = []
    for row in rows:
        resident = None
        if row.get("resident"):
            resident = people.get(row["resident"])
            if resident is None:
                raise ValidationError(
                    {"entries": [f"resident {row['resident']} is not a member of this household"]}
                )
        entries.append(
            services.Entry(
                item=row["item"],
                value=row["value"],
                reason=row.get("reason", ""),
                resident=resident,
            )
        )
    return entries


class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Visits of the digital team, with the values recorded; POST records a visit.

    A second POST with the same ``submission_token`` returns the first visit (200) and
    writes nothing.
    """

    serializer_class = VisitSerializer

    def get_queryset(self) -> QuerySet[Visit]:
        return (
            Visit.objects.visible_to(self.request.user, RECORDER_ROLES)
            .prefetch_related("observations")
            .order_by("-visited_on", "-pk")
        )

    @extend_schema(
        request=VisitWriteSerializer, responses={201: VisitSerializer, 200: VisitSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = VisitWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = access_household(user=request.user, pk=values["household"])
        try:
            outcome = services.adoption_record(
                household=household,
                entries=_entries(household, values["entries"]),
                observed_on=values["visited_on"],
                method=values["method"],
                by=request.user,
                submission_token=values["submission_token"],
                helped_with=values.get("helped_with", []),
                note=values.get("note", ""),
            )
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(
            VisitSerializer(outcome.visit).data, status=200 if outcome.duplicate else 201
        )


class ObservationWriteSerializer(EntrySerializer):
    household = serializers.IntegerField()
    observed_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Method.choices)


class ObservationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Dated adoption values (the history); filter with ``household``, ``resident``, ``item``."""

    serializer_class = ObservationSerializer

    def get_queryset(self) -> QuerySet[Observation]:
        rows = Observation.objects.visible_to(self.request.user, RECORDER_ROLES).order_by("-pk")
        params = self.request.query_params
        for name in ("household", "resident"):
            value = params.get(name, "")
            if value.isdigit():
                rows = rows.filter(**{f"{name}_id": int(value)})
        if params.get("item") in Item.values:
            rows = rows.filter(item=params["item"])
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter("household", OpenApiTypes.INT),
            OpenApiParameter("resident", OpenApiTypes.INT),
            OpenApiParameter("item", OpenApiTypes.STR, enum=Item.values),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ObservationWriteSerializer, responses={201: ObservationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ObservationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = access_household(user=request.user, pk=values["household"])
        try:
            outcome = services.adoption_record(
                household=household,
                entries=_entries(household, [values]),
                observed_on=values["observed_on"],
                method=values["method"],
                by=request.user,
                only_changes=False,
                source="api",
            )
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(ObservationSerializer(outcome.observations[0]).data, status=201)


FigureRow = inline_serializer(
    "AdoptionFigure",
    {
        "village": serializers.UUIDField(),
        "code": serializers.CharField(),
        "label": serializers.CharField(),
        "denominator": serializers.CharField(),
        "adopted": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "percent": serializers.FloatField(allow_null=True),
    },
    many=True,
)


class FigureViewSet(viewsets.ViewSet):
    """The adoption figures of the caller's villages (or one ``village``) on ``as_of``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("village", OpenApiTypes.UUID),
            OpenApiParameter("as_of", OpenApiTypes.DATE),
        ],
        responses=FigureRow,
    )
    def list(self, request: Request) -> Response:
        user = request.user
        village_id = request.query_params.get("village")
        if village_id:
            villages = [access_village(user=user, village_id=village_id).pk]
        else:
            villages = list(villages_visible_to(user=user).values_list("pk", flat=True)[:500])
        as_of = request.query_params.get("as_of")
        day = timezone.localdate()
        if as_of:
            field = serializers.DateField()
            try:
                day = field.to_internal_value(as_of)
            except ValidationError as exc:
                raise ValidationError({"as_of": exc.detail}) from exc
            if day > timezone.localdate():
                raise ValidationError({"as_of": ["The date is in the future."]})
        rows = []
        for spec in SPECS:
            counts = spec.counts(day, villages=villages)
            for pk in villages:
                yes, total = counts.get(pk, (0, 0))
                rows.append(
                    {
                        "village": pk,
                        "code": spec.code,
                        "label": str(spec.label),
                        "denominator": str(spec.denominator_label),
                        "adopted": yes,
                        "total": total,
                        "percent": round(100 * yes / total, 2) if total else None,
                    }
                )
        return Response(rows)


BankRow = inline_serializer(
    "Bank",
    {
        "bin": serializers.CharField(),
        "code": serializers.CharField(),
        "short_name": serializers.CharField(),
        "name": serializers.CharField(),
    },
    many=True,
)


class BankViewSet(viewsets.ViewSet):
    """The banks a VietQR code can pay into, with their NAPAS BINs."""

    @extend_schema(responses=BankRow)
    def list(self, request: Request) -> Response:
        return Response([b.__dict__ for b in vietqr.banks()])


class PaymentCodeSerializer(serializers.ModelSerializer):
    # Plain ids, looked up through the access helpers in ``create``: a related field would
    # answer "does not exist" for a missing row but let another village's row through to a
    # different message.
    village = serializers.UUIDField(source="village_id")
    household = serializers.IntegerField(
        source="household_id", required=False, allow_null=True, min_value=1
    )

    class Meta:
        model = PaymentCode
        fields = [
            "id",
            "village",
            "household",
            "shop_name",
            "bank_bin",
            "account_number",
            "account_name",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class PaymentCodeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Accounts that VietQR codes pay into; ``payload`` gives the code's text."""

    serializer_class = PaymentCodeSerializer

    def get_queryset(self) -> QuerySet[PaymentCode]:
        return PaymentCode.objects.visible_to(self.request.user, RECORDER_ROLES).order_by("pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PaymentCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        village = access_village(
            user=request.user, village_id=values["village_id"], roles=RECORDER_ROLES
        )
        household_id = values.get("household_id")
        household = (
            None if household_id is None else access_household(user=request.user, pk=household_id)
        )
        try:
            code = services.payment_code_create(
                village=village,
                household=household,
                shop_name=values["shop_name"],
                bank_bin=values["bank_bin"],
                account_number=values["account_number"],
                account_name=values.get("account_name", ""),
                by=request.user,
            )
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(PaymentCodeSerializer(code).data, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter("amount", OpenApiTypes.STR, description="50.000, 50 000 or 50000"),
            OpenApiParameter("purpose", OpenApiTypes.STR),
        ],
        responses=inline_serializer(
            "VietQRPayload",
            {
                "payload": serializers.CharField(),
                "amount": serializers.IntegerField(allow_null=True),
                "amount_words": serializers.CharField(),
                "purpose": serializers.CharField(),
            },
        ),
    )
    @action(detail=True, methods=["get"])
    def payload(self, request: Request, pk: Any = None) -> Response:
        code = self.get_object()
        try:
            text = vietqr.payload(
                bank_bin=code.bank_bin,
                account_number=code.account_number,
                amount=request.query_params.get("amount"),
                purpose=request.query_params.get("purpose", ""),
            )
        except DjangoValidationError as exc:
            _raise(exc)
        encoded = vietqr.encoded(text)
        return Response(
            {
                "payload": text,
                "amount": encoded.amount,
                "amount_words": encoded.amount_words,
                "purpose": encoded.purpose,
            }
        )


router = SimpleRouter()
router.register("observations", ObservationViewSet, basename="payments_observation")
router.register("visits", VisitViewSet, basename="payments_visit")
router.register("figures", FigureViewSet, basename="payments_figure")
router.register("banks", BankViewSet, basename="payments_bank")
router.register("payment-codes", PaymentCodeViewSet, basename="payments_code")
