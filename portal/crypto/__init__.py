"""Field-level encryption: envelope keys, encrypted columns, blind indexes (docs/keys.md).

``init_app`` loads the master-key wrapper and the index key from the configuration, makes
them reachable from every database session, and wipes the cached data keys when the
application context (one request, one CLI command) ends.
"""

from __future__ import annotations

from flask import Flask

from portal.crypto.context import STATE_KEY, CryptoState, clear_data_key_cache
from portal.crypto.keyring import decode_key, load_key_wrapper


def init_app(app: Flask) -> None:
    state = CryptoState(
        wrapper=load_key_wrapper(app.config),
        index_key=decode_key(app.config["KP_INDEX_KEY"], "KP_INDEX_KEY"),
    )
    app.extensions[STATE_KEY] = state
    db_state = app.extensions["kp_db"]
    db_state.factory.configure(info={STATE_KEY: state})

    @app.teardown_appcontext
    def _forget_data_keys(_exc: BaseException | None) -> None:
        # Runs before the session is removed (teardowns run in reverse order).
        if db_state.session.registry.has():
            clear_data_key_cache(db_state.session())
