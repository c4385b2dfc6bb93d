from django import forms
from django.core.exceptions import ValidationError

from templates_app.library import (
    MAX_SECTIONS,
    template_create_personal,
    template_update_personal,
)
from templates_app.models import NoteTemplate, Tag

EMPTY_ROWS = 3


class TemplateForm(forms.Form):
    """A personal template: its fields, its tags, and one row per section."""

    name = forms.CharField(max_length=120)
    specialty = forms.CharField(max_length=60, required=False)
    description = forms.CharField(max_length=300, required=False)
    instructions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How the whole note should read: audience, tone, what to leave out.",
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, data=None, *, template: NoteTemplate | None = None):
        self.template = template
        initial = {}
        sections = []
        if template is not None:
            initial = {
                "name": template.name,
                "specialty": template.specialty,
                "description": template.description,
                "instructions": template.instructions,
                "tags": list(template.tags.all()),
                "is_active": template.is_active,
            }
            sections = list(template.sections.all())
        super().__init__(data, initial=initial)
        rows = max(len(sections), int((data or {}).get("rows", 0) or 0))
        self.rows = min(rows + EMPTY_ROWS, MAX_SECTIONS + EMPTY_ROWS)
        for number in range(self.rows):
            section = sections[number] if number < len(sections) else None
            self.fields[f"title_{number}"] = forms.CharField(
                label="Section title",
                max_length=80,
                required=False,
                initial=section.title if section else "",
            )
            self.fields[f"key_{number}"] = forms.SlugField(
                label="Key",
                max_length=40,
                required=False,
                initial=section.key if section else "",
                help_text="Made from the title when empty.",
            )
            self.fields[f"section_instructions_{number}"] = forms.CharField(
                label="What belongs in this section",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=section.instructions if section else "",
            )

    def main_fields(self):
        names = ["name", "specialty", "description", "instructions", "tags"]
        if self.template is not None:
            names.append("is_active")
        return [self[name] for name in names]

    def section_rows(self):
        return [
            (
                self[f"title_{n}"],
                self[f"key_{n}"],
                self[f"section_instructions_{n}"],
            )
            for n in range(self.rows)
        ]

    def sections(self) -> list[dict]:
        return [
            {
                "title": self.cleaned_data.get(f"title_{n}", ""),
                "key": self.cleaned_data.get(f"key_{n}", ""),
                "instructions": self.cleaned_data.get(f"section_instructions_{n}", ""),
            }
            for n in range(self.rows)
        ]

    def save(self, *, user) -> NoteTemplate:
        data = {
            "name": self.cleaned_data["name"],
            "specialty": self.cleaned_data["specialty"],
            "description": self.cleaned_data["description"],
            "instructions": self.cleaned_data["instructions"],
            "tags": list(self.cleaned_data["tags"]),
            "sections": self.sections(),
        }
        if self.template is None:
            return template_create_personal(user=user, **data)
        return template_update_personal(
            user=user,
            template_id=self.template.pk,
            is_active=self.cleaned_data["is_active"],
            **data,
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
