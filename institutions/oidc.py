"""Sign-in through the OpenID provider, with what an institution adds to it.

`accounts.oidc.NoumarisOIDCBackend` verifies the person and matches their account;
this subclass (the backend settings name) answers its two hooks from the
institutions' rows, so the accounts app never imports this one.
"""

from accounts.oidc import NoumarisOIDCBackend
from institutions.backends import user_with_admin_row
from institutions.models import InstitutionAdmin
from institutions.services.invitation_accept import invitation_account_create

INVITATION_SESSION_KEY = "invitation_token"  # set by /invite/<token>


class InstitutionsOIDCBackend(NoumarisOIDCBackend):
    def get_user(self, user_id):
        """The session's user, their admin row joined (institutions/backends.py)."""
        return user_with_admin_row(user_id)

    def account_for_new_identity(self, claims: dict, ip_address):
        """The account of the pending invitation this browser opened, if it is to
        this verified e-mail."""
        token = self.request.session.get(INVITATION_SESSION_KEY)
        if not token:
            return None
        return invitation_account_create(
            token=token, claims=claims, ip_address=ip_address
        )

    def stays_staff(self, user) -> bool:
        """An institution admin keeps the Django admin when superadmin goes."""
        return InstitutionAdmin.objects.filter(user=user).exists()
