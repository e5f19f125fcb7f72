"""The shared web edge: what every blueprint's views need to answer a browser and htmx alike.

A view renders the whole page for a normal request and only the part that changed for an
htmx request (``HX-Request: true``); both answers live at one URL, so each carries
``Vary: HX-Request`` and no cache serves the one for the other. Every page still works
without JavaScript: htmx only makes it nicer.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template
from htmx_flask import request as htmx_request


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
