"""The Django admin for superadmins and institution admins (scoped by construction).

Every queryset comes from the `*_for_user` selectors; every change calls a service.
"""

from institutions.admin import (  # noqa: F401
    api_tokens,
    audit,
    institutions,
    invitations,
    people,
)
