"""The domain errors services raise; views turn them into a message beside the form.

Three kinds, so that a page can answer each the same way (``creditbank.pages.status_for``):
``NotAllowed`` — the person acting may not do this (403); ``IllegalTransition`` — the object's
state does not allow it now, perhaps because someone else acted first (409); ``InvalidInput``
— what was asked for is wrong and can be corrected in the form (400). Services raise one of
the three; ``ServiceError`` is what views catch.
"""


class ServiceError(Exception):
    """A business rule refused the action. ``field`` names the form field it belongs to;
    ``code`` names the rule, for tests and logs (views decide by the class, never the code)."""

    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code


class NotAllowed(ServiceError):
    """The person acting may not take this action on this object (403)."""

    default_code = "not_allowed"


class IllegalTransition(ServiceError):
    """The object's state does not allow the action now — its status, or a conflicting row
    another request wrote first (409)."""

    default_code = "illegal_transition"


class InvalidInput(ServiceError):
    """What was asked for is wrong; the form shows the message beside ``field`` (400)."""
