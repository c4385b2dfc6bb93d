"""JSON log lines carrying the request id of the request that wrote them."""

import contextvars
import logging
import re

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default="-"
)

_default_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    record = _default_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


# Stamp the id when the record is made, in the request's context, not when a
# handler formats it (which may be later, or in another thread).
if getattr(_default_factory, "__name__", "") != "_record_with_request_id":
    logging.setLogRecordFactory(_record_with_request_id)


class RequestIdFilter(logging.Filter):
    """Make sure every record has `request_id` (records from foreign factories)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object a line; `request_id` always present."""

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        log_record["request_id"] = getattr(record, "request_id", "-")


# Invitation links and WebSocket tickets are credentials: a path or query that
# carries one (a 500's "Internal Server Error: /invite/...", a library's debug line)
# is logged with the token replaced.
_TOKENS = re.compile(r"(/invite/|/invitations/|[?&]ticket=)[A-Za-z0-9_\-]{16,}")


class RedactTokensFilter(logging.Filter):
    """Replace invitation tokens and socket tickets in a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKENS.search(message):
            record.msg = _TOKENS.sub(r"\1<token>", message)
            record.args = None
        return True
