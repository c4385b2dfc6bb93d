"""The query shape of the `me` routes: the signed-in user with every role row."""

from django.contrib.auth import get_user_model


def me_get(*, user):
    """The user with its admin, resident, faculty and physician rows, in one query."""
    return (
        get_user_model()
        .objects.select_related(
            "institution_admin__institution",
            "resident_profile__institution",
            "faculty_profile__institution",
            "physician_profile",
        )
        .get(pk=user.pk)
    )
