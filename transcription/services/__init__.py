"""Writes of the transcription app, one module per concern.

- `sessions`: a recording's life (started with consent, resumed, paused, stopped).
- `segments`: a final stored as the session's next `seq`.
- `sockets`: what an open socket may do (its ticket, the periodic re-check).
- `imports`: an encounter made from a transcript recorded elsewhere.
- `transcripts`: a transcript read (audited), its speakers named, a segment corrected.
- `uploads`: an uploaded recording taken and queued; `recordings` transcribes it and
  keeps (encrypted) or purges its audio.
"""
