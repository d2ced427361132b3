"""Domain errors: each names the rule it enforces, so the API can say why in the user's language."""


class DomainError(Exception):
    """A rule of the meeting was broken. `code` is stable (used by clients and translations)."""

    status = 400

    def __init__(self, code: str, message: str, **details):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class IllegalTransition(DomainError):
    status = 409


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """A stale version or a concurrent change: the client refetches and tries again."""

    status = 409
