"""Forms of the admin's tools: invite, import a CSV, add an admin, choose features."""

from django import forms

from institutions.models import PGY_MAX, PGY_MIN, Feature, Invitation
from institutions.selectors import institutions_for_user
from institutions.services.authority import admin_membership, is_superadmin


class InstitutionChoiceMixin:
    """Superadmins pick the institution; an admin always acts on their own."""

    def add_institution_field(self, user):
        if is_superadmin(user):
            self.fields["institution"] = forms.ModelChoiceField(
                queryset=institutions_for_user(user),
                help_text="Which institution they join.",
            )
            self.order_fields(["institution"])

    def institution(self, user):
        if "institution" in self.fields:
            return self.cleaned_data["institution"]
        return admin_membership(user).institution


class InviteForm(InstitutionChoiceMixin, forms.Form):
    email = forms.EmailField(
        label="E-mail", help_text="The invitation link is sent to this address."
    )
    role = forms.ChoiceField(choices=Invitation.Role.choices, initial="resident")
    pgy_level = forms.TypedChoiceField(
        label="PGY",
        coerce=int,
        required=False,
        choices=[("", "—")] + [(n, f"PGY-{n}") for n in range(PGY_MIN, PGY_MAX + 1)],
        help_text="Residents only: their post-graduate year.",
    )
    specialty = forms.CharField(
        max_length=120, required=False, help_text="E.g. Internal Medicine."
    )
    is_senior = forms.BooleanField(
        label="Senior admin",
        required=False,
        help_text="Admins only: senior admins can add other admins.",
    )
    features = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Residents only: granted when they accept the invitation.",
    )

    def __init__(self, *args, user, may_invite_admins: bool, **kwargs):
        super().__init__(*args, **kwargs)
        catalogue = [(f.code, f.name) for f in Feature.objects.order_by("name")]
        self.fields["features"].choices = catalogue
        self.fields["features"].initial = [code for code, _ in catalogue]
        if not may_invite_admins:
            self.fields["role"].choices = [
                c for c in Invitation.Role.choices if c[0] != Invitation.Role.ADMIN
            ]
            del self.fields["is_senior"]
        self.add_institution_field(user)


class ImportForm(InstitutionChoiceMixin, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: email, pgy, specialty (a header line is optional). "
        "Up to 500 residents, 1 MB.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_institution_field(user)


class AddAdminForm(InstitutionChoiceMixin, forms.Form):
    email = forms.EmailField(
        label="E-mail",
        help_text="An admin invitation is sent to this address; they become an "
        "admin when they accept it.",
    )
    is_senior = forms.BooleanField(
        label="Senior admin",
        required=False,
        help_text="Senior admins can add other admins.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_institution_field(user)


class FeatureChoiceForm(forms.Form):
    features = forms.ModelMultipleChoiceField(
        queryset=Feature.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )

    def __init__(self, *args, features, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["features"].queryset = features
