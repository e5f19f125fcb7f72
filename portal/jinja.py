"""The Jinja environment of the portal's templates: Flask's, with template globals that answer
"which names do you have" in one step.

Why: every ``{% import %}`` and ``{% from ... import %}`` compares the names of the importing
template's globals with the imported template's (Jinja's ``_get_default_module``: a module
rendered once is reused only when the importer brings no names of its own). Jinja keeps a
template's globals as a ``ChainMap`` over the environment's, whose ``keys()`` answers each
membership test in Python, name by name: some 25 names per import, and a case page imports
its macro files about 35 times (each included section imports its own). A set of the names
makes the comparison one C-level set operation. The globals stay a live ``ChainMap``: only the
answer to ``keys()`` is made anew on each call.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import MutableMapping
from typing import Any

from flask.templating import Environment as FlaskEnvironment


class TemplateGlobals(ChainMap[str, Any]):
    """A template's globals over the environment's; ``keys()`` is a set of their names."""

    def keys(self) -> set[str]:  # type: ignore[override]  # a set is a keys view's superset
        return set().union(*self.maps)


class Environment(FlaskEnvironment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return TemplateGlobals(d if d is not None else {}, self.globals)
