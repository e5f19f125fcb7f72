"""The shared web edge: what every blueprint's views need to answer a browser and htmx alike.

A view renders the whole page for a normal request and only the part that changed for an
htmx request (``HX-Request: true``); both answers live at one URL, so each carries
``Vary: HX-Request`` and no cache serves the one for the other. Every page still works
without JavaScript: htmx only makes it nicer.

A view that changes something follows one pattern: load (a policy loader, which answers 404
for what the actor may not know), check, ``submit`` the form to one service function, which
commits or rolls back, and answer with the page or fragment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from flask import Response, make_response, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from htmx_flask import request as htmx_request

from portal.errors import DomainError, Forbidden, NotFound
from portal.extensions import db

T = TypeVar("T")


def is_htmx() -> bool:
    """Whether htmx asked (it sends ``HX-Request: true``), so a fragment is enough."""
    return bool(htmx_request.htmx)


def vary_on_htmx(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


def page_or_fragment(page: str, fragment: str, /, **context: Any) -> Response:
    """The full ``page`` template, or for htmx only its ``fragment`` template (the template
    names are positional-only, so the context may have a ``page`` of its own)."""
    response = make_response(render_template(fragment if is_htmx() else page, **context))
    return vary_on_htmx(response)


def out_of_band(parts: Iterable[str], /, **context: Any) -> str:
    """The other parts of a page that an htmx action changed, each rendered with ``oob=True``
    (its root element then carries ``hx-swap-oob``), to append to the fragment the action
    answers with: after a change nothing on the page is left stale."""
    return "".join(render_template(part, oob=True, **context) for part in parts)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What came of a posted form: ``done`` with the service's ``result``, or not done.

    Not done with a ``refusal``: a rule of the domain said no (its message is safe to show).
    Not done without one: the form did not validate, and its errors sit on its fields.
    """

    done: bool
    value: T | None = None
    refusal: DomainError | None = None

    @property
    def result(self) -> T:
        """The service's answer; only a done outcome has one."""
        if not self.done:
            raise ValueError("a refused or invalid submission has no result")
        return cast(T, self.value)

    @property
    def conflict(self) -> bool:
        """Refused because someone else changed it first (a warning, not an error)."""
        return self.refusal is not None and self.refusal.status == 409

    @property
    def message(self) -> str:
        return refusal_text(self.refusal) if self.refusal is not None else ""


def submit(form: FlaskForm | None, change: Callable[[], T]) -> Outcome[T]:
    """The one way a view changes something: validate, call one service function, commit.

    The view has loaded what it acts on through a policy loader (and so checked it) before.
    Invalid input or a refusal rolls back, so nothing changes and the view shows the form
    again. ``NotFound`` and ``Forbidden`` are not answers to show at a form: they go on to the
    error pages, looking the same as for any other missing object.
    """
    if form is not None and not form.validate_on_submit():
        db.session.rollback()
        return Outcome(done=False)
    try:
        result = change()
    except (NotFound, Forbidden):
        db.session.rollback()
        raise
    except DomainError as exc:
        db.session.rollback()
        return Outcome(done=False, refusal=exc)
    db.session.commit()
    return Outcome(done=True, value=result)


def refusal_text(exc: DomainError) -> str:
    """A refusal in words: the service's own message, or a plain one for its kind."""
    if exc.message:
        return str(exc.message)
    if exc.status == 409:
        return _("Iemand anders heeft dit net veranderd.")
    return _("Dit kan niet.")
