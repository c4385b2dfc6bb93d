"""The API's JSON renderer: DRF's output, written by orjson.

DRF's `JSONRenderer` runs the standard library's encoder, which calls back into Python
for every datetime, decimal and lazy string. On a page of 50 residents that was a
tenth of the server's time per request. orjson writes the same bytes in C: compact,
UTF-8 (DRF's `UNICODE_JSON`), datetimes in ISO 8601 with `Z` for UTC, and U+2028 and
U+2029 escaped as DRF escapes them. What orjson does not know natively (decimals,
lazy strings, timedeltas, querysets...) goes through DRF's own encoder.

Where orjson would answer differently, DRF's renderer answers instead:
- an indented rendering (`Accept: application/json; indent=4`);
- a value orjson refuses (an integer beyond 64 bits, a dict key of an odd type).

Two differences are kept:
- a float in exponent form is written `1e-7` where DRF writes `1e-07` (the same number);
- a NaN or infinite float renders as `null`, where DRF's strict mode raises (a 500).
"""

import orjson
from rest_framework.renderers import JSONRenderer

_default = JSONRenderer.encoder_class().default  # stateless: one for every thread
_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_LINE_SEPARATORS = ("\u2028".encode(), "\u2029".encode())


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            out = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATORS[0] in out or _LINE_SEPARATORS[1] in out:
            # As DRF does: JSON that is also a strict subset of JavaScript.
            out = out.replace(_LINE_SEPARATORS[0], b"\\u2028")
            out = out.replace(_LINE_SEPARATORS[1], b"\\u2029")
        return out
