"""Log review (logguppföljning): searching the access log by patient, staff member and
unit, the patient's log extract and the administration log page.

It sits above the patient record (hemma.patients) and the access log (hemma.audit); the
log itself knows nothing of the review. Not an app: it has no models, and its templates
live in hemma/templates/audit/. The URL namespace stays ``audit``.
"""
