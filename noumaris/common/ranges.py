"""Bytes held in memory served the way a media player asks for them: one byte range
at a time (RFC 9110 section 14). Django's responses serve whole bodies only; the
range header is read with Werkzeug's parser rather than by hand."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from werkzeug.http import parse_range_header


def inline_bytes_response(
    request, data: bytes, *, content_type: str, filename: str
) -> HttpResponse:
    """`data` shown inline as `filename`: 206 with the one range asked for, 416 when
    it lies past the end, the whole of it otherwise (several ranges included)."""
    size = len(data)
    wanted = parse_range_header(request.headers.get("Range"))
    if wanted is not None and len(wanted.ranges) == 1:
        span = wanted.range_for_length(size)
        if span is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, stop = span
        response = HttpResponse(data[start:stop], content_type=content_type, status=206)
        response["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    else:
        response = HttpResponse(data, content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
