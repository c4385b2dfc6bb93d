"""Django's password backend, loading the signed-in person with their admin row.

Every request of a signed-in person loads their user from the session
(`backend.get_user`); the API's admin routes and the scoped selectors then ask
`admin_membership(user)`. Joining the InstitutionAdmin row to that one query
(`select_related` of a reverse one-to-one: absent for anyone who is not an admin,
and known absent without a query) saves each admin request a round trip.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def user_with_admin_row(user_id):
    """The user with this id, their InstitutionAdmin row joined; None if none."""
    model = get_user_model()
    try:
        return model._default_manager.select_related("institution_admin").get(
            pk=user_id
        )
    except model.DoesNotExist:
        return None


class InstitutionsModelBackend(ModelBackend):
    """Usernames and passwords, as Django's; `get_user` joins the admin row."""

    def get_user(self, user_id):
        user = user_with_admin_row(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
