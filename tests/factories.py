"""factory_boy factories for the standing cast and for ad-hoc rows in tests."""

import datetime as dt
from functools import lru_cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from institutions.models import (
    FacultyProfile,
    Feature,
    FeatureGrant,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    Invitation,
    PhysicianProfile,
    ResidentProfile,
)
from institutions.services.features import feature_seed
from institutions.tokens import invitation_token_hash

PASSWORD = "correct-horse-battery-staple"  # the `password` fixture


@lru_cache(maxsize=8)
def hashed_password(raw: str) -> str:
    """Hash once per run: PBKDF2 per user would make every test slow."""
    return make_password(raw)


def features(codes=Feature.Code.values) -> list[Feature]:
    """The catalogue's features (seeded again if a transactional test flushed them)."""
    feature_seed()
    return list(Feature.objects.filter(code__in=codes))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.LazyFunction(lambda: hashed_password(PASSWORD))


class InstitutionFactory(factory.django.DjangoModelFactory):
    """An institution with an active subscription and, by default, every feature."""

    class Meta:
        model = Institution
        skip_postgeneration_save = True
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Hospital {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    contact_email = factory.LazyAttribute(lambda o: f"programs@{o.slug}.example.org")
    timezone = "America/New_York"
    subscription_status = Institution.SubscriptionStatus.ACTIVE
    max_residents = 50
    max_admins = 5

    @factory.post_generation
    def feature_codes(self, create, extracted, **kwargs):
        codes = Feature.Code.values if extracted is None else extracted
        for feature in features(codes):
            InstitutionFeature.objects.get_or_create(institution=self, feature=feature)


class InstitutionAdminFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstitutionAdmin

    user = factory.SubFactory(UserFactory, is_staff=True)
    institution = factory.SubFactory(InstitutionFactory)
    is_senior = False


class ResidentFactory(factory.django.DjangoModelFactory):
    """A resident; `ResidentFactory(granted=[...codes])` grants features too."""

    class Meta:
        model = ResidentProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    pgy_level = 1
    specialty = "Internal Medicine"
    status = ResidentProfile.Status.ACTIVE

    @factory.post_generation
    def granted(self, create, extracted, **kwargs):
        for feature in features(extracted or ()):
            FeatureGrant.objects.create(
                user=self.user, feature=feature, institution=self.institution
            )


class FacultyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacultyProfile

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    specialty = "Internal Medicine"


class PhysicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhysicianProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    specialty = "Family Medicine"

    @factory.post_generation
    def granted(self, create, extracted, **kwargs):
        for feature in features(extracted or ()):
            FeatureGrant.objects.create(user=self.user, feature=feature)


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; pass `token="..."` to know the link's token."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"test-invitation-token-{n:06d}")

    institution = factory.SubFactory(InstitutionFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Invitation.Role.RESIDENT
    pgy_level = factory.LazyAttribute(
        lambda o: 1 if o.role == Invitation.Role.RESIDENT else None
    )
    specialty = "Internal Medicine"
    token_hash = factory.LazyAttribute(lambda o: invitation_token_hash(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class FeatureGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeatureGrant

    user = factory.SubFactory(UserFactory)
    feature = factory.LazyFunction(lambda: features((Feature.Code.values[0],))[0])
