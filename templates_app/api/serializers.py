"""What the notes API answers with: the serializers its views share, and a note's
answer with the context its serializer needs."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation

from templates_app import selectors
from templates_app.models import ClinicalNote, NoteTemplate
from templates_app.notes.rules import note_page_rules
from templates_app.presentation import engine_label, note_sections
from templates_app.supervision import selectors as teaching
from templates_app.supervision.authorship import note_authorship
from transcription.selectors import segment_list


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField(
        required=False, allow_blank=True, help_text="Made from the title when empty."
    )
    title = serializers.CharField()
    instructions = serializers.CharField(allow_blank=True, required=False)


class TemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    specialty = serializers.CharField()
    instructions = serializers.CharField()
    scope = serializers.CharField()
    audience = serializers.ChoiceField(
        choices=NoteTemplate.Audience.choices,
        help_text="`chart`: co-signed by an attending; `patient`: patient "
        "instructions, co-signed only when the supervision policy asks.",
    )
    version = serializers.IntegerField()
    is_active = serializers.BooleanField()
    tags = TagSerializer(many=True, source="tags.all")
    sections = SectionSerializer(many=True, source="sections.all")


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class NoteSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    machine_text = serializers.CharField(
        allow_blank=True, help_text="The section as the engine drafted it."
    )
    edited = serializers.BooleanField()
    cited = serializers.ListField(child=serializers.IntegerField())
    unverified = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Cited segment numbers that do not exist in the transcript.",
    )


class FlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField(source="section_key")
    position = serializers.IntegerField(help_text="The statement's place in it.")
    statement = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    message = serializers.CharField()
    seqs = serializers.ListField(
        child=serializers.IntegerField(), help_text="The segments it cites."
    )
    cited_words = serializers.CharField(help_text="What those segments say.")
    status = serializers.CharField(help_text="open, confirmed or edited.")
    resolved_by = UserRefSerializer(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_revision = serializers.IntegerField(allow_null=True)


class EngineLabelSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class TemplateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    version = serializers.IntegerField()


class NoteSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    title = serializers.CharField()
    status = serializers.CharField()
    generation = serializers.CharField()
    author = UserRefSerializer()
    supervisor = UserRefSerializer(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    cosigned_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FeedbackSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reviewer = UserRefSerializer()
    scores = serializers.DictField(
        child=serializers.IntegerField(), help_text="{PDQI-9 item: 1-5}"
    )
    comment = serializers.CharField()
    section = serializers.CharField(source="section_key")
    created_at = serializers.DateTimeField()


class SectionAuthorshipSerializer(serializers.Serializer):
    key = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["kept", "edited", "rewritten", "written"],
        help_text="written: no machine draft; rewritten: under half of it kept.",
    )
    share = serializers.FloatField(help_text="Share of the words from the machine.")


class AuthorshipSerializer(serializers.Serializer):
    share = serializers.FloatField(
        help_text="Share of the note's words that came from the machine draft."
    )
    sections = SectionAuthorshipSerializer(many=True)


class NoteRulesSerializer(serializers.Serializer):
    """What the caller may do with the note now (templates_app.notes.rules): the
    note page offers exactly these."""

    is_author = serializers.BooleanField()
    is_supervisor = serializers.BooleanField()
    editable = serializers.BooleanField(
        help_text="The caller's draft: sections may be edited, flags confirmed."
    )
    generating = serializers.BooleanField(help_text="A draft is being written.")
    may_draft = serializers.BooleanField(help_text="POST generate is accepted.")
    may_sign = serializers.BooleanField(
        help_text="POST sign is offered: the caller's draft, no open flag."
    )
    needs_supervisor = serializers.BooleanField(
        help_text="Signing names the attending who co-signs."
    )
    may_cosign = serializers.BooleanField(
        help_text="The caller is the named attending and the note is signed: "
        "POST cosign or return."
    )
    may_export = serializers.BooleanField()
    export_denial = serializers.CharField(
        help_text="Why the note may not be exported now; empty when it may."
    )
    may_listen = serializers.BooleanField(
        help_text="The encounter's recording is kept and the caller may play it."
    )


class NoteSerializer(NoteSummarySerializer):
    template = serializers.SerializerMethodField()
    engine = serializers.CharField()
    model = serializers.CharField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    generation_error = serializers.CharField()
    returned_at = serializers.DateTimeField(allow_null=True)
    return_comment = serializers.CharField()
    attestation = serializers.CharField(
        help_text="The co-signing attending's attestation statement."
    )
    attestation_addendum = serializers.CharField()
    engine_label = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField(
        help_text="The latest revision's number: what an edit names."
    )
    open_flags = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    authorship = serializers.SerializerMethodField()
    rules = serializers.SerializerMethodField()

    @extend_schema_field(EngineLabelSerializer)
    def get_engine_label(self, note) -> dict:
        return engine_label(note)

    def get_revision(self, note) -> int:
        return self.context["rules"].revision

    def get_open_flags(self, note) -> int:
        return self.context["rules"].open_flags

    @extend_schema_field(NoteRulesSerializer)
    def get_rules(self, note) -> dict:
        return NoteRulesSerializer(self.context["rules"]).data

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, note) -> list[dict]:
        return FlagSerializer(self.context["flags"], many=True).data

    @extend_schema_field(TemplateRefSerializer)
    def get_template(self, note) -> dict:
        snapshot = note.template_snapshot
        return {
            "id": note.template_id,
            "name": snapshot.get("name"),
            "version": snapshot.get("version"),
        }

    @extend_schema_field(NoteSectionSerializer(many=True))
    def get_sections(self, note) -> list[dict]:
        return note_sections(note, known=self.context["known"])

    @extend_schema_field(FeedbackSerializer(many=True))
    def get_feedback(self, note) -> list[dict]:
        return FeedbackSerializer(teaching.note_feedback(note=note), many=True).data

    @extend_schema_field(AuthorshipSerializer)
    def get_authorship(self, note) -> dict:
        return AuthorshipSerializer(note_authorship(note)).data


def _known(note: ClinicalNote) -> set[int]:
    return set(segment_list(session=note.session).values_list("seq", flat=True))


def note_context(note: ClinicalNote, *, user) -> dict:
    return {
        "known": _known(note),
        "flags": selectors.note_flags(note=note),
        "rules": note_page_rules(note=note, user=user),
    }


def note_response(view, request, note_id, *, status=200):
    """The note as the caller may now see it, after a write."""
    note = selectors.note_get_for_user(user=request.user, note_id=note_id)
    return view.output(
        NoteSerializer, note, status=status, **note_context(note, user=request.user)
    )


class OwnResponse(DefaultContentNegotiation):
    """For views that build their own response (an event stream, an export): DRF
    renders only errors, as JSON, whatever `Accept` or `?format=` say."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
