"""API of the household registry: the same selectors, services and field policy as the pages."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
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
from households import services as registry
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


class _DateField(serializers.DateField):
    default_error_messages = {"invalid": _("Use the format YYYY-MM-DD.")}


class _ContextRelatedField(serializers.PrimaryKeyRelatedField):
    """An id among the rows that ``rows(context)`` allows, with a translated message."""

    model: type[Any]
    unknown = _("Unknown record.")

    def __init__(self, **kwargs: Any) -> None:
        # The queryset only types the id in the schema: ``get_queryset`` decides what is found.
        super().__init__(queryset=self.model.objects.none(), **kwargs)
        self.error_messages["does_not_exist"] = self.unknown
        self.error_messages["incorrect_type"] = self.unknown

    def rows(self, context: dict[str, Any]) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.rows(self.context)


class MemberField(_ContextRelatedField):
    """A current member of ``context["household"]``, other than ``context["resident"]``."""

    model = Resident
    unknown = _("Not a current member of this household.")

    def rows(self, context: dict[str, Any]) -> QuerySet[Any]:
        members = Resident.objects.current().filter(household=context["household"])
        if context.get("resident") is not None:
            members = members.exclude(pk=context["resident"].pk)
        return members


class LaneField(_ContextRelatedField):
    """A lane of ``context["village"]``."""

    model = Lane
    unknown = _("Unknown lane in this village.")

    def rows(self, context: dict[str, Any]) -> QuerySet[Any]:
        return Lane.objects.alive().filter(village=context["village"])


class HouseholdField(_ContextRelatedField):
    """A household the caller may see."""

    model = Household
    unknown = _("Unknown household.")

    def rows(self, context: dict[str, Any]) -> QuerySet[Any]:
        return Household.objects.visible_to(context["request"].user).alive()


RESIDENT_OUTPUT = ["id", "household", *registry.RESIDENT_FIELDS, "age", "is_head", "left_on"]


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


class ResidentWriteSerializer(serializers.ModelSerializer):
    # The editable fields as ``registry.RESIDENT_FIELDS`` declares them.
    class Meta:
        model = Resident
        fields = registry.RESIDENT_FIELDS
        extra_kwargs = {
            # Spaces are allowed and removed by the service; it also checks uniqueness.
            "national_id": {"max_length": 20, "validators": []},
            "phone": {"max_length": 30},
        }
        validators: list[Any] = []


class ResidentCreateSerializer(ResidentWriteSerializer):
    household = HouseholdField()

    class Meta(ResidentWriteSerializer.Meta):
        fields = ("household", *registry.RESIDENT_FIELDS)


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
            *registry.HOUSEHOLD_FIELDS,
            "status",
            "status_changed_on",
            "head_name_public",
            "consent_recorded_on",
            "public_code",
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


class HouseholdWriteSerializer(serializers.ModelSerializer):
    # The editable fields as ``registry.HOUSEHOLD_FIELDS`` declares them.
    lane = LaneField()

    class Meta:
        model = Household
        fields = registry.HOUSEHOLD_FIELDS
        extra_kwargs = {
            "latitude": {"min_value": -90, "max_value": 90},
            "longitude": {"min_value": -180, "max_value": 180},
            # The service checks uniqueness, with clearer messages.
            "digital_address": {"validators": []},
        }
        validators: list[Any] = []


class VillageRefSerializer(serializers.Serializer):
    village = serializers.UUIDField(error_messages={"invalid": _("Not a valid village id.")})


class HouseholdCreateSerializer(HouseholdWriteSerializer):
    village = serializers.UUIDField(error_messages={"invalid": _("Not a valid village id.")})
    head = ResidentWriteSerializer()

    class Meta(HouseholdWriteSerializer.Meta):
        fields = ("village", *registry.HOUSEHOLD_FIELDS, "head")


class LaneWriteSerializer(serializers.Serializer):
    village = serializers.UUIDField(required=False)
    name = serializers.CharField(max_length=100)
    sort_order = serializers.IntegerField(required=False, min_value=0)


class ChangeHeadSerializer(serializers.Serializer):
    new_head = MemberField()


class SplitSerializer(serializers.Serializer):
    members = serializers.ListField(child=MemberField(), allow_empty=False)
    new_head = MemberField()
    lane = LaneField(required=False, allow_null=True)
    house_number = serializers.CharField(max_length=20)


class MergeSerializer(serializers.Serializer):
    target = HouseholdField()


class HouseholdStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(Household.Status.choices)
    on = _DateField(required=False, allow_null=True)


class ConsentSerializer(serializers.Serializer):
    consent = serializers.BooleanField(error_messages={"invalid": _("Answer true or false.")})


class ReasonSerializer(serializers.Serializer):
    # Blank passes here: the service says why a reason is needed.
    reason = serializers.CharField(max_length=255, allow_blank=True)


# Named in the schema by settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
MEMBER_RELATIONSHIPS = [
    c for c in Resident.Relationship.choices if c[0] != Resident.Relationship.HEAD
]


class MoveSerializer(serializers.Serializer):
    to_household = HouseholdField()
    relationship = serializers.ChoiceField(
        MEMBER_RELATIONSHIPS, default=Resident.Relationship.OTHER
    )
    new_head = MemberField(required=False, allow_null=True)


class LeaveSerializer(serializers.Serializer):
    on = _DateField(required=False, allow_null=True)
    new_head = MemberField(required=False, allow_null=True)


def _valid(
    serializer_class: type[serializers.Serializer], data: Any, partial: bool = False, **context: Any
) -> Any:
    """The validated input, or a 400 answer with the serializer's messages."""
    serializer = serializer_class(data=data, partial=partial, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class HouseholdFilterSerializer(serializers.Serializer):
    """The household list's query parameters: a bad value is a 400, not silently ignored."""

    village = serializers.UUIDField(
        required=False,
        help_text="Only this village",
        error_messages={"invalid": _("Not a valid village id.")},
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Search ignoring case and diacritics: names, house numbers, digital "
        "addresses, lane names; ID numbers for roles that may see them.",
    )
    lane = serializers.IntegerField(required=False, min_value=1, help_text="Lane id")
    status = serializers.ChoiceField(
        [*Household.Status.choices, ("all", _("All"))],
        required=False,
        help_text="Active by default",
    )
    business = serializers.ChoiceField(
        [("1", _("Yes"))], required=False, help_text="Business households only"
    )
    missing = serializers.ChoiceField(
        [("address", _("Digital address")), ("location", _("Location"))], required=False
    )


class ResidentFilterSerializer(serializers.Serializer):
    household = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Only this household",
        error_messages={"invalid": _("A household id.")},
    )


# ---------------------------------------------------------------------------------------
# Views


@extend_schema_view(
    list=extend_schema(
        summary="Households of the caller's villages",
        parameters=[HouseholdFilterSerializer],
    ),
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
            params = _valid(HouseholdFilterSerializer, self.request.query_params)
            village = None
            if "village" in params:
                village = access_village(user=user, village_id=params["village"])
            households = households_filtered(
                user=user,
                village=village,
                roles=roles_in_village(user=user, village=village) if village else frozenset(),
                params={name: str(value) for name, value in params.items()},
            )
        else:
            households = Household.objects.visible_to(user).alive()
        head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
        return households.select_related("lane").annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            head_name=Subquery(head.values("full_name")[:1]),
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        village_id = _valid(VillageRefSerializer, request.data)["village"]
        village = access_village(user=request.user, village_id=village_id)
        _require_editor(request, village.pk)
        values = dict(_valid(HouseholdCreateSerializer, request.data, village=village))
        del values["village"]
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
        values = _valid(
            HouseholdWriteSerializer, request.data, partial=True, village=household.village
        )
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

    @extend_schema(summary="Make another member the head", request=ChangeHeadSerializer)
    @action(detail=True, methods=["post"], url_path="change-head")
    def change_head(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        household = self._editable()
        data = _valid(ChangeHeadSerializer, request.data, household=household)
        return self._operate(request, registry.household_change_head, new_head=data["new_head"])

    @extend_schema(summary="Some members start a household of their own", request=SplitSerializer)
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        household = self._editable()
        data = _valid(SplitSerializer, request.data, household=household, village=household.village)
        return self._operate(
            request,
            registry.household_split,
            residents=data["members"],
            new_head=data["new_head"],
            lane=data.get("lane") or household.lane,
            house_number=data["house_number"],
        )

    @extend_schema(
        summary="Merge this household into another; this one is dissolved",
        request=MergeSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        source = self._editable()
        target = _valid(MergeSerializer, request.data, request=request)["target"]
        result = _service(registry.household_merge, request, source=source, target=target)
        return Response(
            HouseholdSerializer(
                self.get_queryset().get(pk=result.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(summary="Set the household's status", request=HouseholdStatusSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        self._editable()
        data = _valid(HouseholdStatusSerializer, request.data)
        return self._operate(
            request, registry.household_set_status, status=data["status"], on=data.get("on")
        )

    @extend_schema(
        summary="Record whether the head's name may be shown publicly", request=ConsentSerializer
    )
    @action(detail=True, methods=["post"])
    def consent(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        self._editable()
        data = _valid(ConsentSerializer, request.data)
        return self._operate(request, registry.household_record_consent, consent=data["consent"])

    @extend_schema(summary="Mark the household deleted, with a reason", request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def delete(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        household = self._editable()
        data = _valid(ReasonSerializer, request.data)
        _service(registry.household_delete, request, household=household, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Current residents of the caller's villages",
        parameters=[ResidentFilterSerializer],
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
        if self.action == "list":
            params = _valid(ResidentFilterSerializer, self.request.query_params)
            if "household" in params:
                residents = residents.filter(household_id=params["household"])
        return residents

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = dict(_valid(ResidentCreateSerializer, request.data, request=request))
        household = values.pop("household")
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

    @extend_schema(
        summary="Move the person to another household of the same village",
        request=MoveSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        resident = self.get_object()
        _require_editor(request, resident.household.village_id)
        data = _valid(
            MoveSerializer,
            request.data,
            request=request,
            household=resident.household,
            resident=resident,
        )
        moved = _service(
            registry.resident_move,
            request,
            resident=resident,
            to_household=data["to_household"],
            relationship=data["relationship"],
            new_head=data.get("new_head"),
        )
        return Response(ResidentSerializer(moved, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The person no longer lives in the household",
        request=LeaveSerializer,
    )
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        resident = self.get_object()
        _require_editor(request, resident.household.village_id)
        data = _valid(
            LeaveSerializer, request.data, household=resident.household, resident=resident
        )
        left = _service(
            registry.resident_leave,
            request,
            resident=resident,
            on=data.get("on"),
            new_head=data.get("new_head"),
        )
        return Response(ResidentSerializer(left, context=self.get_serializer_context()).data)

    @extend_schema(summary="Mark the record deleted, with a reason", request=ReasonSerializer)
    @action(detail=True, methods=["post"])
    def delete(self, request: Request, pk: Any = None, **kwargs: Any) -> Response:
        resident = self.get_object()
        _require_editor(request, resident.household.village_id)
        data = _valid(ReasonSerializer, request.data)
        _service(registry.resident_delete, request, resident=resident, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)
