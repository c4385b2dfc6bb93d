from django.urls import path

from institutions.api import institution_admin as admin
from institutions.api import invitations, me, superadmin

SUPER = "admin/superadmin/"
INST = "admin/institution/"

urlpatterns = [
    # Superadmin
    path(f"{SUPER}institutions", superadmin.InstitutionListApi.as_view()),
    path(f"{SUPER}institutions/<id:pk>", superadmin.InstitutionDetailApi.as_view()),
    path(
        f"{SUPER}institutions/<id:pk>/features",
        superadmin.InstitutionFeaturesApi.as_view(),
    ),
    path(
        f"{SUPER}institutions/<id:pk>/subscription",
        superadmin.InstitutionSubscriptionApi.as_view(),
    ),
    path(
        f"{SUPER}institutions/<id:pk>/admins", superadmin.InstitutionAdminsApi.as_view()
    ),
    path(f"{SUPER}physicians", superadmin.PhysicianListApi.as_view()),
    path(
        f"{SUPER}physicians/<id:pk>/permissions",
        superadmin.PhysicianPermissionsApi.as_view(),
    ),
    path(f"{SUPER}audit-logs", superadmin.AuditLogApi.as_view()),
    # Institution admin
    path(f"{INST}residents", admin.ResidentListApi.as_view()),
    path(f"{INST}residents/invite", admin.ResidentInviteApi.as_view()),
    path(f"{INST}residents/invite/batch", admin.ResidentBatchInviteApi.as_view()),
    path(f"{INST}residents/<id:pk>", admin.ResidentDetailApi.as_view()),
    path(
        f"{INST}residents/<id:pk>/permissions", admin.ResidentPermissionsApi.as_view()
    ),
    path(f"{INST}admins", admin.AdminListCreateApi.as_view()),
    path(f"{INST}invitations", admin.InvitationListApi.as_view()),
    path(f"{INST}invitations/<id:pk>/resend", admin.InvitationResendApi.as_view()),
    path(f"{INST}invitations/<id:pk>/revoke", admin.InvitationRevokeApi.as_view()),
    path(f"{INST}audit-logs", admin.AuditLogApi.as_view()),
    # Invitations and the catalogue
    path("invitations/<str:token>", invitations.InvitationValidateApi.as_view()),
    path("invitations/<str:token>/accept", invitations.InvitationAcceptApi.as_view()),
    path("features", invitations.FeatureListApi.as_view()),
    path("me/permissions", me.MePermissionsApi.as_view(), name="api-me-permissions"),
]
