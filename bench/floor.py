"""The floor for the HTTP benchmark: a bare Flask app on the same database.

No extensions, no sign-in, no access policy, no sessions, no encryption: one query for the
newest 50 cases (id and reference) rendered by a Jinja template. Served by the same gunicorn
settings as the portal, with ``DATABASE_URL`` from the environment::

    gunicorn -c gunicorn.conf.py 'bench.floor:create_app()'

it shows what a page costs on this machine before the portal adds anything; ``python -m
bench.http`` reports the portal's pages as a fraction of it.

The engine comes from ``portal.db.make_engine`` so that SQLite gets the same connection
settings (WAL, busy timeout) as the portal; nothing else of the portal is used.
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import text

from portal.db import make_engine

ROWS = 50

TEMPLATE = """<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Casussen</title></head>
<body>
<main>
<h1>Casussen</h1>
<table>
<thead><tr><th>Nummer</th><th>Casus</th></tr></thead>
<tbody>
{% for row in rows %}
<tr><td>{{ row.id }}</td><td><a href="/casussen/{{ row.id }}">{{ row.reference }}</a></td></tr>
{% endfor %}</tbody>
</table>
</main>
</body>
</html>
"""


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = make_engine(database_url or os.environ["DATABASE_URL"])
    query = text("SELECT id, reference FROM case_file ORDER BY id DESC LIMIT :n")

    @app.get("/")
    def cases() -> str:
        with engine.connect() as connection:
            rows = connection.execute(query, {"n": ROWS}).all()
        return render_template_string(TEMPLATE, rows=rows)

    return app
