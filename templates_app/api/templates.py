"""The template library: templates the caller may use, their personal ones, tags."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from noumaris.common.api import Api, ListApi
from templates_app import selectors
from templates_app.api.serializers import (
    SectionSerializer,
    TagSerializer,
    TemplateSerializer,
)
from templates_app.library import template_create_personal, template_update_personal
from templates_app.models import Tag


class TemplateListApi(ListApi):
    """The template library the caller may use; a personal template is added by POST."""

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100)
        tag = serializers.SlugField(required=False, allow_blank=True)
        specialty = serializers.CharField(
            required=False, allow_blank=True, max_length=60
        )

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        description = serializers.CharField(
            max_length=300, required=False, allow_blank=True, default=""
        )
        specialty = serializers.CharField(
            max_length=60, required=False, allow_blank=True, default=""
        )
        instructions = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=10_000
        )
        tags = serializers.PrimaryKeyRelatedField(
            queryset=Tag.objects.all(), many=True, required=False, default=list
        )
        sections = SectionSerializer(many=True)

    @extend_schema(
        operation_id="templates_list",
        parameters=[FilterSerializer],
        responses=TemplateSerializer(many=True),
    )
    def get(self, request):
        filters = self.query(self.FilterSerializer)
        templates = selectors.template_list_for_user(user=request.user, **filters)
        return self.paginate(templates.order_by("name", "id"), TemplateSerializer)

    @extend_schema(
        operation_id="templates_create",
        request=InputSerializer,
        responses={201: TemplateSerializer},
    )
    def post(self, request):
        data = self.input(self.InputSerializer)
        template = template_create_personal(user=request.user, **data)
        template = selectors.template_get_for_user(
            user=request.user, template_id=template.pk
        )
        return self.output(TemplateSerializer, template, status=201)


class TemplateDetailApi(Api):
    """One template the caller may use; the owner of a personal one may replace it."""

    class InputSerializer(TemplateListApi.InputSerializer):
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(operation_id="templates_retrieve", responses=TemplateSerializer)
    def get(self, request, pk):
        template = selectors.template_get_for_user(user=request.user, template_id=pk)
        return self.output(TemplateSerializer, template)

    @extend_schema(
        operation_id="templates_update",
        request=InputSerializer,
        responses=TemplateSerializer,
    )
    def put(self, request, pk):
        data = self.input(self.InputSerializer)
        template_update_personal(user=request.user, template_id=pk, **data)
        template = selectors.template_get_for_user(user=request.user, template_id=pk)
        return self.output(TemplateSerializer, template)


class TagListApi(Api):
    """Every tag, with how many active templates carry it."""

    class OutputSerializer(TagSerializer):
        template_count = serializers.IntegerField()

    @extend_schema(operation_id="tags_list", responses=OutputSerializer(many=True))
    def get(self, request):
        return self.output(self.OutputSerializer, selectors.tag_list(), many=True)
