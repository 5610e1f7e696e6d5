from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership, User


class MembershipSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["role", "role_label", "village", "commune"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "full_name", "email", "phone", "memberships"]


class MeView(APIView):
    """The signed-in user and the roles they hold."""

    @extend_schema(responses=MeSerializer, summary="The caller and their memberships")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(MeSerializer(request.user).data)
