from django.urls import path

from accounts import views
from accounts.oidc import SignInCallbackView, SignInStartView

urlpatterns = [
    path("login", views.sign_in, name="login"),
    path("login/refused/<slug:reason>", views.sign_in_refused, name="sign_in_refused"),
    path("logout", views.sign_out, name="logout"),
    path("signed-out", views.signed_out, name="signed_out"),
    # mozilla-django-oidc's names; both answer 404 unless OIDC is configured.
    path(
        "oidc/authenticate/",
        SignInStartView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        SignInCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("oidc/logout/", views.sign_out, name="oidc_logout"),
]
