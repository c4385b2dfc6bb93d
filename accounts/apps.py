from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        # django-axes announces a lockout only through its signal (its documented
        # hook); the audit row is written by our service.
        from axes.signals import user_locked_out

        user_locked_out.connect(_audit_lockout, dispatch_uid="noumaris-axes-lockout")


def _audit_lockout(sender, *, request=None, username=None, ip_address=None, **kwargs):
    from accounts.services import sign_in_lockout_record

    sign_in_lockout_record(username=username or "", ip_address=ip_address)
