"""API of the household registry: the same selectors, services and field policy as the pages."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import access_village, roles_in_village
from households import registry
from households.history import change_context
from households.models import Household, Lane, Resident, Village
from households.selectors import households_filtered
from households.visibility import ALL_RESIDENT_FIELDS, can_edit, resident_fields

# ---------------------------------------------------------------------------------------
# Helpers


class _RolesCache:
    """Roles of the caller per village, looked up once per request."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.cache: dict[Any, frozenset[str]] = {}

    def roles(self, village_id: Any) -> frozenset[str]:
        if village_id not in self.cache:
            village = Village.objects.get(pk=village_id)
            self.cache[village_id] = roles_in_village(user=self.request.user, village=village)
        return self.cache[village_id]

    def fields(self, village_id: Any) -> frozenset[str]:
        return resident_fields(self.roles(village_id), superuser=self.request.user.is_superuser)

    def may_edit(self, village_id: Any) -> bool:
        return can_edit(self.roles(village_id), superuser=self.request.user.is_superuser)


def _roles(request: Request) -> _RolesCache:
    if not hasattr(request, "_registry_roles"):
        request._registry_roles = _RolesCache(request)  # type: ignore[attr-defined]
    return request._registry_roles  # type: ignore[attr-defined]


def _service(call: Callable[..., Any], request: Request, **kwargs: Any) -> Any:
    """Run a registry service as the caller; its validation errors become 400 answers."""
    try:
        with change_context(user=request.user, source="api", url=request.path):
            return call(by=request.user, **kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ValidationError(exc.message_dict) from exc
        raise ValidationError({"non_field_errors": exc.messages}) from exc


def _require_editor(request: Request, village_id: Any) -> None:
    if not _roles(request).may_edit(village_id):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------
# Serializers

RESIDENT_OUTPUT = [
    "id",
    "household",
    "full_name",
    "gender",
    "birth_date",
    "age",
    "national_id",
    "phone",
    "relationship",
    "is_head",
    "joined_on",
    "left_on",
]


class ResidentSerializer(serializers.ModelSerializer):
    age = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = RESIDENT_OUTPUT
        read_only_fields = ["id", "household", "is_head", "left_on", "age"]

    def get_age(self, obj: Resident) -> int | None:
        if not obj.birth_date:
            return None
        today = timezone.localdate()
        before_birthday = (today.month, today.day) < (obj.birth_date.month, obj.birth_date.day)
        return today.year - obj.birth_date.year - before_birthday

    def to_representation(self, instance: Resident) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context["request"]
        visible = _roles(request).fields(instance.household.village_id)
        for name in ALL_RESIDENT_FIELDS - visible:
            data.pop(name, None)
        return data


class ResidentWriteSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    gender = serializers.ChoiceField(choices=Resident.Gender.choices)
    birth_date = serializers.DateField(required=False, allow_null=True)
    national_id = serializers.CharField(required=False, allow_blank=True, max_length=20)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    relationship = serializers.ChoiceField(choices=Resident.Relationship.choices, required=False)
    joined_on = serializers.DateField(required=False, allow_null=True)


class ResidentCreateSerializer(ResidentWriteSerializer):
    household = serializers.IntegerField()


class HouseholdSerializer(serializers.ModelSerializer):
    business_kind = serializers.ChoiceField(
        choices=[("", "—"), *Household.BusinessKind.choices], read_only=True
    )
    head = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "village",
            "lane",
            "house_number",
            "digital_address",
            "latitude",
            "longitude",
            "status",
            "status_changed_on",
            "established_on",
            "is_business",
            "business_name",
            "business_kind",
            "head_name_public",
            "consent_recorded_on",
            "public_code",
            "notes",
            "head",
            "member_count",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer("Head", {"full_name": serializers.CharField()}, allow_null=True)
    )
    def get_head(self, obj: Household) -> dict[str, Any] | None:
        visible = _roles(self.context["request"]).fields(obj.village_id)
        if "full_name" not in visible:
            return None
        if hasattr(obj, "head_name"):  # annotated by the viewset's queryset: no query per row
            head = obj.head_name
        else:
            resident = obj.residents.current().filter(is_head=True).first()
            head = resident.full_name if resident else None
        return {"full_name": head} if head else None


class HouseholdWriteSerializer(serializers.Serializer):
    lane = serializers.IntegerField()
    house_number = serializers.CharField(max_length=20)
    digital_address = serializers.CharField(required=False, allow_blank=True, max_length=32)
    latitude = serializers.DecimalField(
        max_digits=10,
        decimal_places=7,
        required=False,
        allow_null=True,
        min_value=-90,
        max_value=90,
    )
    longitude = serializers.DecimalField(
        max_digits=10,
        decimal_places=7,
        required=False,
        allow_null=True,
        min_value=-180,
        max_value=180,
    )
    established_on = serializers.DateField(required=False, allow_null=True)
    is_business = serializers.BooleanField(required=False)
    business_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    business_kind = serializers.ChoiceField(
        choices=Household.BusinessKind.choices, required=False, allow_blank=True
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class HouseholdCreateSerializer(HouseholdWriteSerializer):
    village = serializers.UUIDField()
    head = ResidentWriteSerializer()


class LaneWriteSerializer(serializers.Serializer):
    village = serializers.UUIDField(required=False)
    name = serializers.CharField(max_length=100)
    sort_order = serializers.IntegerField(required=False, min_value=0)


REASON = inline_serializer("Reason", {"reason": serializers.CharField(max_length=255)})


# ---------------------------------------------------------------------------------------
# Views

FILTER_PARAMETERS = [
    OpenApiParameter("village", OpenApiTypes.UUID, description="Only this village"),
    OpenApiParameter(
        "q",
        str,
        description="Search ignoring case and diacritics: names, house numbers, digital "
        "addresses, lane names; ID numbers for roles that may see them.",
        examples=[OpenApiExample("Name without diacritics", value="nguyen van an")],
    ),
    OpenApiParameter("lane", int, description="Lane id"),
    OpenApiParameter("status", str, enum=[*Household.Status.values, "all"]),
    OpenApiParameter("business", str, enum=["1"], description="Business households only"),
    OpenApiParameter("missing", str, enum=["address", "location"]),
]


def _lane_of(village: Village, lane_id: Any) -> Lane:
    lane = Lane.objects.alive().filter(village=village, pk=lane_id).first()
    if lane is None:
        raise ValidationError({"lane": ["Unknown lane in this village."]})
    return lane


@extend_schema_view(
    list=extend_schema(summary="Households of the caller's villages", parameters=FILTER_PARAMETERS),
    retrieve=extend_schema(summary="One household; 404 when it is not in the caller's villages"),
    create=extend_schema(
        summary="Register a household with its head",
        request=HouseholdCreateSerializer,
        examples=[
            OpenApiExample(
                "A new household",
                request_only=True,
                value={
                    "village": "6f1c2d1e-0000-4000-8000-000000000000",
                    "lane": 3,
                    "house_number": "12A",
                    "digital_address": "",
                    "head": {
                        "full_name": "Nguyễn Văn An",
                        "gender": "male",
                        "national_id": "042090012345",
                        "phone": "0912345678",
                    },
                },
            )
        ],
    ),
    partial_update=extend_schema(summary="Change a household", request=HouseholdWriteSerializer),
)
class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HouseholdSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Household]:
        user = self.request.user
        members = (
            Resident.objects.current()
            .filter(household=OuterRef("pk"))
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n")
        )
        if self.action == "list":
            village_id = self.request.query_params.get("village")
            if village_id:
                village = access_village(user=user, village_id=village_id)
                households = households_filtered(
                    user=user,
                    village=village,
                    roles=roles_in_village(user=user, village=village),
                    params=self.request.query_params,
                )
            else:
                households = Household.objects.visible_to(user).active().order_by("pk")
        else:
            households = Household.objects.visible_to(user).alive()
        head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
        return households.select_related("lane").annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            head_name=Subquery(head.values("full_name")[:1]),
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = HouseholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        village = access_village(user=request.user, village_id=values.pop("village"))
        _require_editor(request, village.pk)
        values["lane"] = _lane_of(village, values["lane"])
        household = _service(registry.household_create, request, village=village, **values)
        return Response(
            HouseholdSerializer(
                self.get_queryset().get(pk=household.pk), context=self.get_serializer_context()
            ).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.get_object()
        _require_editor(request, household.village_id)
        data = HouseholdWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "lane" in values:
            values["lane"] = _lane_of(household.village, values["lane"])
        _service(registry.household_update, request, household=household, **values)
        return self.retrieve(request, *args, **kwargs)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def _editable(self) -> Household:
        """The household, if the caller may change it: 404 if not theirs, then 403."""
        household = self.get_object()
        _require_editor(self.request, household.village_id)
        return household

    def _operate(self, request: Request, call: Callable[..., Any], **kwargs: Any) -> Response:
        household = self._editable()
        result = _service(call, request, household=household, **kwargs)
        target = result if isinstance(result, Household) else household
        return Response(
            HouseholdSerializer(
                self.get_queryset().get(pk=target.pk), context=self.get_serializer_context()
            ).data
        )

    def _member(self, household: Household, resident_id: Any, field: str) -> Resident:
        member = Resident.objects.current().filter(household=household, pk=resident_id).first()
        if member is None:
            raise ValidationError({field: ["Not a current member of this household."]})
        return member

    @extend_schema(
        summary="Make another member the head",
        request=inline_serializer("ChangeHead", {"new_head": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"], url_path="change-head")
    def change_head(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        household = self._editable()
        new_head = self._member(household, request.data.get("new_head"), "new_head")
        return self._operate(request, registry.household_change_head, new_head=new_head)

    @extend_schema(
        summary="Some members start a household of their own",
        request=inline_serializer(
            "Split",
            {
                "members": serializers.ListField(child=serializers.IntegerField()),
                "new_head": serializers.IntegerField(),
                "lane": serializers.IntegerField(required=False),
                "house_number": serializers.CharField(max_length=20),
            },
        ),
    )
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        household = self._editable()
        ids = request.data.get("members") or []
        if not isinstance(ids, list):
            raise ValidationError({"members": ["A list of member ids."]})
        members = [self._member(household, i, "members") for i in ids]
        new_head = self._member(household, request.data.get("new_head"), "new_head")
        lane = household.lane
        if request.data.get("lane"):
            lane = _lane_of(household.village, request.data.get("lane"))
        return self._operate(
            request,
            registry.household_split,
            residents=members,
            new_head=new_head,
            lane=lane,
            house_number=str(request.data.get("house_number") or ""),
        )

    @extend_schema(
        summary="Merge this household into another; this one is dissolved",
        request=inline_serializer("Merge", {"target": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        source = self._editable()
        target = (
            Household.objects.visible_to(request.user)
            .alive()
            .filter(
                pk=request.data.get("target")
                if str(request.data.get("target", "")).isdigit()
                else 0
            )
            .first()
        )
        if target is None:
            raise ValidationError({"target": ["Unknown household."]})
        _require_editor(request, source.village_id)
        result = _service(registry.household_merge, request, source=source, target=target)
        return Response(
            HouseholdSerializer(
                self.get_queryset().get(pk=result.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="Set the household's status",
        request=inline_serializer(
            "HouseholdStatus",
            {
                "status": serializers.ChoiceField(Household.Status.choices),
                "on": serializers.DateField(required=False),
            },
        ),
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        self._editable()
        on = request.data.get("on")
        try:
            on = date.fromisoformat(on) if on else None
        except (TypeError, ValueError) as exc:
            raise ValidationError({"on": ["Use the format YYYY-MM-DD."]}) from exc
        return self._operate(
            request, registry.household_set_status, status=request.data.get("status"), on=on
        )

    @extend_schema(
        summary="Record whether the head's name may be shown publicly",
        request=inline_serializer("Consent", {"consent": serializers.BooleanField()}),
    )
    @action(detail=True, methods=["post"])
    def consent(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        self._editable()
        value = request.data.get("consent")
        if not isinstance(value, bool):
            raise ValidationError({"consent": ["true or false."]})
        return self._operate(request, registry.household_record_consent, consent=value)

    @extend_schema(summary="Mark the household deleted, with a reason", request=REASON)
    @action(detail=True, methods=["post"])
    def delete(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        household = self.get_object()
        _require_editor(request, household.village_id)
        _service(
            registry.household_delete,
            request,
            household=household,
            reason=str(request.data.get("reason") or ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Current residents of the caller's villages",
        parameters=[OpenApiParameter("household", int, description="Only this household")],
    ),
    retrieve=extend_schema(summary="One resident; 404 when not in the caller's villages"),
    create=extend_schema(summary="Add a member to a household", request=ResidentCreateSerializer),
    partial_update=extend_schema(summary="Change a resident", request=ResidentWriteSerializer),
)
class ResidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ResidentSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Resident]:
        residents = (
            Resident.objects.visible_to(self.request.user)
            .current()
            .select_related("household")
            .order_by("household_id", "-is_head", "pk")
        )
        household = self.request.query_params.get("household")
        if household:
            if not household.isdigit():
                raise ValidationError({"household": ["A household id."]})
            residents = residents.filter(household_id=int(household))
        return residents

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ResidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        household = (
            Household.objects.visible_to(request.user)
            .alive()
            .filter(pk=values.pop("household"))
            .first()
        )
        if household is None:
            raise ValidationError({"household": ["Unknown household."]})
        _require_editor(request, household.village_id)
        resident = _service(registry.resident_add, request, household=household, **values)
        return Response(
            ResidentSerializer(resident, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        resident = self.get_object()
        _require_editor(request, resident.household.village_id)
        data = ResidentWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        _service(registry.resident_update, request, resident=resident, **data.validated_data)
        return self.retrieve(request, *args, **kwargs)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def _successor(self, resident: Resident) -> Resident | None:
        value = self.request.data.get("new_head")
        if value in (None, ""):
            return None
        successor = (
            Resident.objects.current()
            .filter(household_id=resident.household_id, pk=value if str(value).isdigit() else 0)
            .exclude(pk=resident.pk)
            .first()
        )
        if successor is None:
            raise ValidationError({"new_head": ["Not a current member of this household."]})
        return successor

    @extend_schema(
        summary="Move the person to another household of the same village",
        request=inline_serializer(
            "Move",
            {
                "to_household": serializers.IntegerField(),
                "relationship": serializers.ChoiceField(
                    Resident.Relationship.choices, required=False
                ),
                "new_head": serializers.IntegerField(required=False),
            },
        ),
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        resident = self.get_object()
        _require_editor(request, resident.household.village_id)
        target_id = request.data.get("to_household")
        target = (
            Household.objects.visible_to(request.user)
            .alive()
            .filter(pk=target_id if str(target_id or "").isdigit() else 0)
            .first()
        )
        if target is None:
            raise ValidationError({"to_household": ["Unknown household."]})
        relationship = request.data.get("relationship") or Resident.Relationship.OTHER
        if relationship not in Resident.Relationship.values or relationship == "head":
            raise ValidationError({"relationship": ["Not a valid relationship."]})
        moved = _service(
            registry.resident_move,
            request,
            resident=resident,
            to_household=target,
            relationship=relationship,
            new_head=self._successor(resident),
        )
        return Response(ResidentSerializer(moved, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The person no longer lives in the household",
        request=inline_serializer(
            "Leave",
            {
                "on": serializers.DateField(required=False),
                "new_head": serializers.IntegerField(required=False),
            },
        ),
    )
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        resident = self.get_object()
        _require_editor(request, resident.household.village_id)
        on = request.data.get("on")
        try:
            on = date.fromisoformat(on) if on else None
        except (TypeError, ValueError) as exc:
            raise ValidationError({"on": ["Use the format YYYY-MM-DD."]}) from exc
        left = _service(
            registry.resident_leave,
            request,
            resident=resident,
            on=on,
            new_head=self._successor(resident),
        )
        return Response(ResidentSerializer(left, context=self.get_serializer_context()).data)

    @extend_schema(summary="Mark the record deleted, with a reason", request=REASON)
    @action(detail=True, methods=["post"])
    def delete(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        resident = self.get_object()
        _require_editor(request, resident.household.village_id)
        _service(
            registry.resident_delete,
            request,
            resident=resident,
            reason=str(request.data.get("reason") or ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
