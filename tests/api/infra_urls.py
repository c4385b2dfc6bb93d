"""Test-only routes that exercise noumaris/common/api.py apart from any domain."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from noumaris.common.api import Api, ListApi
from noumaris.common.errors import ConflictError


class UserListApi(ListApi):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return self.paginate(
            get_user_model().objects.order_by("username", "id"), self.OutputSerializer
        )


class EchoApi(Api):
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        pgy_level = serializers.IntegerField(min_value=1, max_value=10)

    @extend_schema(request=InputSerializer, responses=InputSerializer)
    def post(self, request):
        data = self.input(self.InputSerializer)
        if data["email"] == "taken@example.org":
            raise ConflictError(
                "Resident with email 'taken@example.org' already exists"
            )
        if data["email"] == "race@example.org":
            raise IntegrityError("duplicate key value violates unique constraint")
        return self.output(self.InputSerializer, data, status=201)


class FilterEchoApi(Api):
    class FilterSerializer(serializers.Serializer):
        tags = serializers.ListField(child=serializers.CharField(), required=False)
        pgy_level = serializers.IntegerField(min_value=1, max_value=10, required=False)
        search = serializers.CharField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=FilterSerializer)
    def get(self, request):
        return self.output(self.FilterSerializer, self.query(self.FilterSerializer))


urlpatterns = [
    path("test-api/users", UserListApi.as_view()),
    path("test-api/echo", EchoApi.as_view()),
    path("test-api/filters", FilterEchoApi.as_view()),
    path("", include("noumaris.urls")),
]
