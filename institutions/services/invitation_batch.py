"""Invite residents from a CSV file (columns: email, pgy, specialty): each good row
invited, each bad row named with its reason; the seats counted under one lock."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from institutions.models import Institution, Invitation
from institutions.services.authority import institution_lock, require_institution_admin
from institutions.services.invitations import (
    invitation_create_locked,
    invitation_fields_clean,
)
from noumaris.common.errors import ApplicationError

BATCH_MAX_ROWS = 500
BATCH_MAX_BYTES = 1_000_000


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
        fields = invitation_fields_clean(
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
            row.invitation = invitation_create_locked(
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
