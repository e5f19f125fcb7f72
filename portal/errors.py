"""Domain errors, and the error pages that show any failure in the user's language.

Services raise ``DomainError`` subclasses; the edge maps them to HTTP. Users never see a
stack trace or an exception's text (it may hold personal data): only a translated message.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.access import wants_json
from portal.crypto.errors import DecryptionError

log = logging.getLogger("portal.errors")


class DomainError(Exception):
    """A rule of the domain refused the operation; ``message`` is safe to show to the user."""

    status = 400

    def __init__(self, message: str = "", **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    """The object does not exist, or the actor may not know it exists (same answer)."""

    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """Someone else acted first (a lock or version check lost); reload and try again."""

    status = 409


MESSAGES = {
    400: (
        _l("Er ging iets mis met uw verzoek"),
        _l("Controleer wat u invulde en probeer het opnieuw."),
    ),
    401: (_l("Log eerst in"), _l("U moet ingelogd zijn om deze pagina te zien.")),
    403: (_l("Geen toegang"), _l("U mag deze pagina niet zien.")),
    404: (_l("Pagina niet gevonden"), _l("Deze pagina bestaat niet, of u mag hem niet zien.")),
    405: (_l("Dit kan zo niet"), _l("Deze actie is op deze pagina niet mogelijk.")),
    409: (
        _l("Iemand was u voor"),
        _l("Iemand anders heeft dit net veranderd. Laad de pagina opnieuw."),
    ),
    413: (_l("Bestand te groot"), _l("Het bestand is te groot. Kies een kleiner bestand.")),
    429: (
        _l("Te veel pogingen"),
        _l("U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
    ),
    500: (_l("Er ging iets mis bij ons"), _l("Dit is niet uw fout. Probeer het later opnieuw.")),
}


#: Protected data that cannot be opened (wrong or missing key, tampered ciphertext).
DECRYPTION_MESSAGE = (
    _l("Gegevens niet te openen"),
    _l(
        "Deze gegevens zijn beveiligd en konden nu niet veilig worden geopend. "
        "Dit is niet uw fout. Probeer het later opnieuw of neem contact op met de beheerder."
    ),
)


def render_error(status: int, detail: str | None = None, title: str | None = None):
    default_title, message = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    title = title or default_title
    if request and request.path.startswith("/api/"):
        from portal.api.problems import API_MESSAGES, problem

        if status in API_MESSAGES and detail is None:
            title, message = API_MESSAGES[status]
        return problem(status, str(title), str(detail or message)), status
    if wants_json():
        return jsonify(error=str(title), message=str(detail or message), status=status), status
    return (
        render_template("errors/error.html", status=status, title=title, message=detail or message),
        status,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return render_error(exc.status, exc.message or None)

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError):
        return render_error(
            400,
            str(_l("Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.")),
        )

    @app.errorhandler(DecryptionError)
    def _decryption(exc: DecryptionError):
        # Never garbage, never a trace: the reason code only (it names no data).
        log.error("decryption failed", extra={"event": "decryption_failed", "error": exc.reason})
        title, message = DECRYPTION_MESSAGE
        return render_error(500, str(message), title=str(title))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if status >= 500:
            log.error("server error", extra={"status": status})
        response = render_error(status)
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            return response[0], status, {"Allow": ", ".join(exc.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.error("unhandled error", exc_info=exc, extra={"error": type(exc).__name__})
        return _http(InternalServerError())
