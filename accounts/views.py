"""Sign-in and sign-out pages: local, or through the OpenID provider when set."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import lockout, oidc


class _LocalSignInView(auth_views.LoginView):
    """Django's sign-in form; a right password makes this browser a known device
    for the username, a wrong one from a known device counts against it."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.device_remember(
            response, request=self.request, username=form.get_user().get_username()
        )
        return response

    def form_invalid(self, form):
        lockout.device_failure_record(self.request)
        return super().form_invalid(form)


_local_sign_in = _LocalSignInView.as_view()
_local_sign_out = auth_views.LogoutView.as_view(
    template_name="accounts/logged_out.html"
)

REFUSALS = {
    "no-account": (
        "You have no Noumaris account yet",
        "Your hospital sign-in worked, but no Noumaris account belongs to it. "
        "Ask your program for an invitation, then open the link in its e-mail "
        "and sign in again.",
    ),
    "unverified-email": (
        "Your e-mail address is not verified",
        "Your hospital account's e-mail address has not been verified, so "
        "Noumaris cannot tell whose account it is. Verify it with your hospital's "
        "sign-in service, then sign in again.",
    ),
    "inactive": (
        "Your Noumaris account is deactivated",
        "Ask your program administrator to reactivate it.",
    ),
    "linked-elsewhere": (
        "Your e-mail belongs to another sign-in",
        "The Noumaris account with your e-mail address is linked to a different "
        "hospital account. Sign in with that one, or ask your program "
        "administrator.",
    ),
    "failed": (
        "Sign-in did not complete",
        "The sign-in service did not confirm who you are. Try again; if it keeps "
        "happening, tell your program administrator.",
    ),
}


def sign_in(request):
    """`/login`: the local form, or straight on to the provider."""
    if not settings.OIDC_ENABLED:
        return _local_sign_in(request)
    next_url = request.GET.get("next")
    if request.user.is_authenticated:
        safe = next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}
        )
        return redirect(next_url if safe else settings.LOGIN_REDIRECT_URL)
    return redirect(oidc.sign_in_url(next_url, request=request))


def admin_sign_in(request):
    """`/admin/login/`: with OIDC on, people sign in at the provider (there are no
    local passwords then); a signed-in person without admin access sees the admin's
    own explanation."""
    if settings.OIDC_ENABLED and not request.user.is_authenticated:
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"),
            login_url=settings.LOGIN_URL,
        )
    return admin.site.login(request)


def sign_in_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: the sign-in page, saying why."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "locked_out": True,
        "lockout_minutes": minutes,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


@require_POST
def sign_out(request):
    """`/logout`: end our session and, after a provider sign-in, the provider's."""
    if settings.OIDC_ENABLED and oidc.signed_in_with_provider(request):
        return oidc.sign_out_everywhere(request)
    return _local_sign_out(request)


@never_cache
@require_GET
def signed_out(request):
    """Where the provider sends people back after ending its session."""
    return render(request, "accounts/logged_out.html")


@never_cache
@require_GET
def sign_in_refused(request, reason):
    """The provider knows the person; Noumaris will not sign them in, and says why."""
    if reason not in REFUSALS:
        raise Http404
    title, explanation = REFUSALS[reason]
    context = {
        "reason": reason,
        "title": title,
        "explanation": explanation,
        "provider_logout_url": (
            oidc.provider_logout_url(request) if settings.OIDC_ENABLED else None
        ),
    }
    return render(request, "accounts/sign_in_refused.html", context, status=403)


def admin_view_on_site(request, content_type_id, object_id):
    """`/admin/r/<ct>/<id>/` ("View on site"), scoped: the object must be one the
    person's admin page for that model shows, or it is a 404 exactly like a missing
    one (Django's own shortcut resolves any id, confirming other tenants' rows)."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        model_admin = admin.site.get_model_admin(model)
    except (ContentType.DoesNotExist, NotRegistered):
        raise Http404 from None
    if not model_admin.has_view_permission(request):
        raise Http404
    if not model_admin.get_queryset(request).filter(pk=object_id).exists():
        raise Http404
    return contenttype_views.shortcut(request, content_type_id, object_id)
