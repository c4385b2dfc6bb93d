"""Invitations: invite (one, or a CSV batch), resend, revoke, accept.

An invitation holds a seat while it is pending and unexpired: active residents plus
pending resident invitations never exceed `Institution.max_residents`, and admins
plus pending admin invitations never exceed `max_admins`. Seats are counted with the
institution's row locked, so two admins inviting for the last seat at the same
moment cannot both win.
"""

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record, user_create_from_provider
from institutions.emails import invitation_email_send
from institutions.models import (
    FacultyProfile,
    Institution,
    InstitutionAdmin,
    InstitutionFeature,
    Invitation,
    ResidentProfile,
)
from institutions.selectors import invitation_find_by_token
from institutions.services.authority import (
    existing_role,
    institution_lock,
    require_institution_admin,
)
from institutions.services.features import features_grant_on_joining
from institutions.services.institutions import admin_membership_add
from institutions.services.residents import pgy_level_clean, specialty_clean
from institutions.services.seats import seat_require
from institutions.tokens import invitation_token_hash, invitation_token_new
from noumaris.errors import (
    ApplicationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)

__all__ = [
    "BatchResult",
    "BatchRow",
    "invitation_accept",
    "invitation_account_create",
    "invitation_accept_new_account",
    "invitation_create",
    "invitation_batch_invite",
    "invitation_refusal",
    "invitation_resend",
    "invitation_revoke",
    "invitation_token_hash",
    "invitation_token_new",
    "resident_invite",
]

logger = logging.getLogger(__name__)

INVITATION_LIFETIME = dt.timedelta(days=7)
BATCH_MAX_ROWS = 500
BATCH_MAX_BYTES = 1_000_000
INVITED_ACTION = {
    Invitation.Role.RESIDENT: "RESIDENT_INVITED",
    Invitation.Role.ADMIN: "ADMIN_INVITED",
    Invitation.Role.FACULTY: "FACULTY_INVITED",
}


# --- Invite ---------------------------------------------------------------------------


def invitation_create(
    *,
    actor,
    institution: Institution,
    email: str,
    role: str = Invitation.Role.RESIDENT,
    pgy_level: int | None = None,
    specialty: str = "",
    is_senior: bool = False,
    feature_codes: list[str] | None = None,
    ip_address: str | None = None,
) -> Invitation:
    """Invite `email` to `institution` in `role` and e-mail the link (on commit).

    A resident invitation carries the features the resident is granted on accepting:
    `feature_codes`, or by default every feature the institution has.

    Admins invite residents and faculty; only senior admins (or superadmins) invite
    admins. Raises ValidationError (email, role, pgy_level), ConflictError (already a
    member, already pending, no seat left), ForbiddenError or NotFoundError. The
    returned invitation carries the raw link token as `.token` (never stored).
    """
    _require_inviter(actor, institution, role)
    fields = _clean_invitation_fields(
        email=email, role=role, pgy_level=pgy_level, specialty=specialty
    )
    with transaction.atomic():
        locked = institution_lock(institution)
        return _invite_locked(
            actor=actor,
            institution=locked,
            is_senior=is_senior and role == Invitation.Role.ADMIN,
            feature_codes=feature_codes,
            ip_address=ip_address,
            **fields,
        )


def resident_invite(
    *,
    actor,
    institution: Institution,
    email: str,
    pgy_level: int,
    specialty: str = "",
    feature_codes: list[str] | None = None,
    ip_address: str | None = None,
) -> Invitation:
    """Invite a resident (PGY 1-10) to `institution`; see `invitation_create`."""
    return invitation_create(
        actor=actor,
        institution=institution,
        email=email,
        role=Invitation.Role.RESIDENT,
        pgy_level=pgy_level,
        specialty=specialty,
        feature_codes=feature_codes,
        ip_address=ip_address,
    )


def _clean_invitation_fields(*, email, role, pgy_level, specialty) -> dict:
    """Normalise the fields, or raise ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [f"'{email}' is not a valid e-mail address."]
    if role not in Invitation.Role.values:
        errors["role"] = ["Choose resident, admin or faculty."]
    if role == Invitation.Role.RESIDENT:
        try:
            pgy_level = pgy_level_clean(pgy_level)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    else:
        pgy_level = None
    try:
        specialty = specialty_clean(specialty)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {
        "email": email,
        "role": role,
        "pgy_level": pgy_level,
        "specialty": specialty,
    }


def _invite_locked(
    *,
    actor,
    institution,
    email,
    role,
    pgy_level,
    specialty,
    is_senior,
    ip_address,
    feature_codes=None,
) -> Invitation:
    """Invite with the institution's row already locked by the caller's transaction."""
    codes = _invitation_features(institution, role, feature_codes)
    _refuse_members(institution, email)
    _expire_or_refuse_pending(institution, email)
    seat_require(institution=institution, role=role)
    token = invitation_token_new()
    now = timezone.now()
    invitation = Invitation.objects.create(
        institution=institution,
        email=email,
        role=role,
        pgy_level=pgy_level,
        specialty=specialty,
        is_senior=is_senior,
        feature_codes=codes,
        token_hash=invitation_token_hash(token),
        expires_at=now + INVITATION_LIFETIME,
        invited_by=actor,
        sent_count=1,
        last_sent_at=now,
    )
    audit_record(
        actor=actor,
        action=INVITED_ACTION[role],
        target=invitation,
        institution=institution,
        ip_address=ip_address,
        details={
            "email": email,
            "role": role,
            "pgy_level": pgy_level,
            "features": codes,
        },
    )
    _send_on_commit(invitation, token)
    invitation.token = token
    return invitation


def _invitation_features(institution, role, wanted) -> list[str]:
    """The features a resident invitation grants: those asked for, or by default all
    the institution has; one it does not have is a ValidationError."""
    if role != Invitation.Role.RESIDENT:
        return []
    has = set(
        InstitutionFeature.objects.filter(
            institution=institution, is_enabled=True, feature__is_active=True
        ).values_list("feature__code", flat=True)
    )
    if wanted is None:
        return sorted(has)
    unknown = sorted(set(wanted) - has)
    if unknown:
        raise ValidationError(
            {"features": [f"{institution} does not include {', '.join(unknown)}."]}
        )
    return sorted(set(wanted))


def _refuse_members(institution: Institution, email: str) -> None:
    users = User.objects.filter(email__iexact=email)
    resident = ResidentProfile.objects.filter(
        institution=institution, user__in=users
    ).first()
    if resident is not None:
        if resident.status == ResidentProfile.Status.ACTIVE:
            raise ConflictError(f"{email} is already a resident of {institution}.")
        raise ConflictError(
            f"{email} is already a resident of {institution} "
            f"({resident.get_status_display().lower()}): reactivate them instead."
        )
    if InstitutionAdmin.objects.filter(
        institution=institution, user__in=users
    ).exists():
        raise ConflictError(f"{email} is already an admin of {institution}.")
    if FacultyProfile.objects.filter(institution=institution, user__in=users).exists():
        raise ConflictError(f"{email} is already faculty of {institution}.")


def _expire_or_refuse_pending(institution: Institution, email: str) -> None:
    pending = Invitation.objects.filter(
        institution=institution, email=email, status=Invitation.Status.PENDING
    )
    # An expired invitation stops holding the e-mail address (and its seat).
    pending.filter(expires_at__lte=timezone.now()).update(
        status=Invitation.Status.EXPIRED, updated_at=timezone.now()
    )
    if pending.exists():
        raise ConflictError(
            f"An invitation to {email} is already pending; resend it instead."
        )


def _send_on_commit(invitation: Invitation, token: str) -> None:
    transaction.on_commit(
        lambda: invitation_email_send(invitation=invitation, token=token), robust=True
    )


# --- Batch invite from CSV ----------------------------------------------------------


@dataclass
class BatchRow:
    line: int  # the line number in the file, header included
    email: str
    pgy_level: str
    specialty: str
    invitation: Invitation | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.invitation is not None


@dataclass
class BatchResult:
    rows: list[BatchRow] = field(default_factory=list)

    @property
    def invited(self) -> list[BatchRow]:
        return [row for row in self.rows if row.ok]

    @property
    def failed(self) -> list[BatchRow]:
        return [row for row in self.rows if not row.ok]


def invitation_batch_invite(
    *,
    actor,
    institution: Institution,
    csv_text: str | bytes,
    ip_address: str | None = None,
) -> BatchResult:
    """Invite a resident per CSV row (columns: email, pgy, specialty).

    Returns a result per row: good rows are invited (one RESIDENT_INVITED audit row
    and one e-mail each), bad rows are named with the reason and write nothing. A
    file that cannot be read at all raises ValidationError and writes nothing.
    """
    require_institution_admin(actor, institution)
    rows = _parse_batch_csv(csv_text)
    result = BatchResult(rows=rows)
    seen: dict[str, int] = {}
    with transaction.atomic():
        locked = institution_lock(institution)
        for row in rows:
            _batch_invite_row(row, seen, actor, locked, ip_address)
    return result


def _batch_invite_row(row: BatchRow, seen, actor, institution, ip_address) -> None:
    try:
        fields = _clean_invitation_fields(
            email=row.email,
            role=Invitation.Role.RESIDENT,
            pgy_level=row.pgy_level,
            specialty=row.specialty,
        )
    except ValidationError as exc:
        row.error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        return
    if fields["email"] in seen:
        row.error = f"Duplicate of line {seen[fields['email']]} in this file."
        return
    seen[fields["email"]] = row.line
    try:
        with transaction.atomic():  # a savepoint: a refused row leaves nothing behind
            row.invitation = _invite_locked(
                actor=actor,
                institution=institution,
                is_senior=False,
                ip_address=ip_address,
                **fields,
            )
    except ApplicationError as exc:
        row.error = exc.message


def _parse_batch_csv(csv_text: str | bytes) -> list[BatchRow]:
    if isinstance(csv_text, bytes):
        if len(csv_text) > BATCH_MAX_BYTES:
            raise ValidationError({"file": ["The file is larger than 1 MB."]})
        try:
            csv_text = csv_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                {"file": ["The file is not UTF-8 text; save it as CSV UTF-8."]}
            ) from None
    records = _csv_records(csv_text)
    if records and "@" not in records[0][1][0]:
        header = [cell.lower().replace(" ", "_") for cell in records[0][1]]
        if "email" not in header:
            raise ValidationError(
                {
                    "file": [
                        "The first line must name the columns: email, pgy, specialty."
                    ]
                }
            )
        columns = _columns(header)
        records = records[1:]
    else:
        columns = {"email": 0, "pgy": 1, "specialty": 2}
    if not records:
        raise ValidationError({"file": ["The file has no residents in it."]})
    if len(records) > BATCH_MAX_ROWS:
        raise ValidationError(
            {"file": [f"At most {BATCH_MAX_ROWS} residents per file."]}
        )
    return [
        BatchRow(
            line=number,
            email=_cell(cells, columns["email"]),
            pgy_level=_cell(cells, columns["pgy"]),
            specialty=_cell(cells, columns["specialty"]),
        )
        for number, cells in records
    ]


def _csv_records(csv_text: str) -> list[tuple[int, list[str]]]:
    """Numbered non-blank lines of cells; any line ending (CRLF, LF, a bare CR from
    old spreadsheets) is read as one; a line the csv module cannot read is a 422
    naming it, never a 500."""
    reader = csv.reader(io.StringIO(csv_text, newline=None))
    records = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((reader.line_num, [cell.strip() for cell in record]))
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters"
        raise ValidationError(
            {"file": [f"Line {max(reader.line_num, 1)} cannot be read: {reason}."]}
        ) from None
    return records


def _columns(header: list[str]) -> dict[str, int | None]:
    def find(*names):
        return next((header.index(n) for n in names if n in header), None)

    return {
        "email": find("email", "e-mail", "email_address"),
        "pgy": find("pgy", "pgy_level", "pgy_year", "year"),
        "specialty": find("specialty", "speciality", "program"),
    }


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


# --- Resend and revoke ------------------------------------------------------------


def _require_inviter(actor, institution, role) -> None:
    """The one rule for every action on an invitation (create, resend, revoke): an
    admin of the institution; for an admin invitation, a senior one."""
    require_institution_admin(actor, institution, senior=role == Invitation.Role.ADMIN)


def invitation_resend(
    *, actor, invitation: Invitation, ip_address: str | None = None
) -> Invitation:
    """E-mail a new link (the old one stops working) and restart the 7 days.

    Only pending invitations (expired ones included) can be resent; an expired
    resident invitation needs a free seat again. `.token` holds the new token.
    """
    _require_inviter(actor, invitation.institution, invitation.role)
    with transaction.atomic():
        locked_institution = institution_lock(invitation.institution)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status not in (
            Invitation.Status.PENDING,
            Invitation.Status.EXPIRED,
        ):
            raise ConflictError(
                f"This invitation is {invitation.get_status_display().lower()}; "
                "only pending invitations can be resent."
            )
        if invitation.effective_status == Invitation.Status.EXPIRED:
            seat_require(institution=locked_institution, role=invitation.role)
            if invitation.status == Invitation.Status.EXPIRED:
                _expire_or_refuse_pending(locked_institution, invitation.email)
        token = invitation_token_new()
        now = timezone.now()
        invitation.token_hash = invitation_token_hash(token)
        invitation.status = Invitation.Status.PENDING
        invitation.expires_at = now + INVITATION_LIFETIME
        invitation.sent_count += 1
        invitation.last_sent_at = now
        invitation.save(
            update_fields=[
                "token_hash",
                "status",
                "expires_at",
                "sent_count",
                "last_sent_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="INVITATION_RESENT",
            target=invitation,
            institution=invitation.institution,
            ip_address=ip_address,
            details={"email": invitation.email, "sent_count": invitation.sent_count},
        )
        _send_on_commit(invitation, token)
    invitation.token = token
    return invitation


def invitation_revoke(
    *, actor, invitation: Invitation, ip_address: str | None = None
) -> Invitation:
    """Revoke a pending invitation: its link stops working and its seat frees up."""
    _require_inviter(actor, invitation.institution, invitation.role)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("institution")
            .get(pk=invitation.pk)
        )
        if invitation.status not in (
            Invitation.Status.PENDING,
            Invitation.Status.EXPIRED,
        ):
            raise ConflictError(
                f"This invitation is already {invitation.get_status_display().lower()}."
            )
        invitation.status = Invitation.Status.REVOKED
        invitation.revoked_by = actor
        invitation.revoked_at = timezone.now()
        invitation.save(
            update_fields=["status", "revoked_by", "revoked_at", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="INVITATION_REVOKED",
            target=invitation,
            institution=invitation.institution,
            ip_address=ip_address,
            details={"email": invitation.email},
        )
    return invitation


# --- Accept -----------------------------------------------------------------------


def invitation_refusal(*, invitation: Invitation, user=None) -> ApplicationError | None:
    """Why this invitation cannot be accepted (by `user`, if given), or None.

    The `/invite/<token>` page shows it before anything is submitted; accepting
    checks it again under a row lock.
    """
    status = invitation.effective_status
    if status == Invitation.Status.ACCEPTED:
        return ConflictError("This invitation has already been used.")
    if status == Invitation.Status.REVOKED:
        return ConflictError(
            f"This invitation was withdrawn by {invitation.institution}."
        )
    if status == Invitation.Status.EXPIRED:
        return ConflictError(
            f"This invitation expired on {_day(invitation.expires_at)}; "
            f"ask {invitation.institution} for a new one."
        )
    if user is not None and user.is_authenticated:
        if (user.email or "").strip().lower() != invitation.email:
            return ForbiddenError(
                "This invitation was sent to a different e-mail address than "
                "the account you are signed in with."
            )
        role = existing_role(user)
        if role:
            return ConflictError(
                f"Your account is already {role}; one account has one role."
            )
    return None


def _day(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


def invitation_accept(*, token: str, user, ip_address: str | None = None) -> Invitation:
    """Accept the invitation as the signed-in `user`: single use, race-safe.

    The invitation's row is locked, so of two concurrent accepts exactly one wins;
    the other gets ConflictError. The user's e-mail must match the invitation's.
    Creates the resident, faculty or admin profile (admins become staff).
    """
    with transaction.atomic():
        invitation = _locked_by_token(token)
        refusal = invitation_refusal(invitation=invitation, user=user)
        if refusal is not None:
            raise refusal
        _join(invitation, user)
        now = timezone.now()
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_by = user
        invitation.accepted_at = now
        invitation.save(
            update_fields=["status", "accepted_by", "accepted_at", "updated_at"]
        )
        audit_record(
            actor=user,
            action="INVITATION_ACCEPTED",
            target=invitation,
            institution=invitation.institution,
            ip_address=ip_address,
            details={"email": invitation.email, "role": invitation.role},
        )
    return invitation


def invitation_accept_new_account(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    ip_address: str | None = None,
) -> tuple[Invitation, User]:
    """Create a local account with the invitation's e-mail and accept, atomically.

    For the embedded default (no identity provider). Raises ValidationError on the
    username or password, and whatever `invitation_accept` raises.
    """
    username = (username or "").strip()
    with transaction.atomic():
        invitation = _locked_by_token(token)
        refusal = invitation_refusal(invitation=invitation)
        if refusal is not None:
            raise refusal
        user = User(
            username=username,
            email=invitation.email,
            first_name=(first_name or "").strip()[:150],
            last_name=(last_name or "").strip()[:150],
        )
        _validate_new_account(user, password)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError(
                {"username": ["That username is taken; choose another."]}
            ) from None
        return invitation_accept(token=token, user=user, ip_address=ip_address), user


def invitation_account_create(
    *, token: str, claims: dict, ip_address: str | None = None
) -> User | None:
    """At a first sign-in through the provider: create the account of a pending,
    unexpired invitation to this verified e-mail, else None.

    The invitation stays pending: `/invite/<token>` accepts it once signed in.
    """
    invitation = invitation_find_by_token(token=token)
    if (
        invitation is None
        or invitation.effective_status != Invitation.Status.PENDING
        or invitation.email.lower() != claims["email"].lower()
    ):
        return None
    return user_create_from_provider(
        claims=claims,
        institution=invitation.institution,
        details={"method": "invitation", "invitation_id": invitation.pk},
        ip_address=ip_address,
    )


def _validate_new_account(user, password: str) -> None:
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password", "email"])
    except ValidationError as exc:
        errors.update(
            {key: value for key, value in exc.message_dict.items() if key == "username"}
        )
    if (
        "username" not in errors
        and User.objects.filter(username__iexact=user.username).exists()
    ):
        errors["username"] = ["That username is taken; choose another."]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)


def _locked_by_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("institution")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFoundError("This invitation link is not valid.")
    return invitation


def _join(invitation: Invitation, user) -> None:
    institution = invitation.institution
    if invitation.role == Invitation.Role.RESIDENT:
        resident = ResidentProfile.objects.create(
            user=user,
            institution=institution,
            pgy_level=invitation.pgy_level,
            specialty=invitation.specialty,
        )
        features_grant_on_joining(
            resident=resident,
            codes=invitation.feature_codes,
            granted_by=invitation.invited_by,
        )
    elif invitation.role == Invitation.Role.FACULTY:
        FacultyProfile.objects.create(
            user=user, institution=institution, specialty=invitation.specialty
        )
    else:
        admin_membership_add(
            user=user,
            institution=institution,
            is_senior=invitation.is_senior,
            created_by=invitation.invited_by,
        )
