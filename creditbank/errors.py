"""The one domain error type services raise; views turn it into a message beside the form."""


class ServiceError(Exception):
    """A business rule refused the action. ``field`` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
