"""Errors that services raise and views turn into form errors or 4xx answers."""


class HemmaError(Exception):
    """A use case could not be carried out; `message` is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(HemmaError):
    """The user may not do this (403)."""


class Conflict(HemmaError):
    """The request clashes with what is stored, e.g. a duplicate (409 or a form error)."""


class NotFound(HemmaError):
    """Nothing to act on (404)."""


class AppendOnlyError(Exception):
    """A log that may only grow (the access log, the administration log) was asked to
    change or delete a row."""
