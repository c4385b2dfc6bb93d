"""Teaching: attestation, rubric feedback, authorship shares, the attending's queue,
overdue reminders and the program director's figures (DESIGN 'Supervision').

`services` writes, `selectors` and `director` read; the policies themselves live in
`institutions.services.supervision`.
"""
