"""Encrypted columns for SQLAlchemy models, and the one function that decrypts them.

How it fits together (docs/keys.md has the full story):

- A model with personal data mixes in ``EncryptedRow``: a random ``row_uid`` (the row's
  identity in the AAD, known before INSERT) and ``encryption_key_id()`` (its case's data key).
- Its personal columns use ``EncryptedType(kind)``. The attribute never holds plaintext once
  flushed: assigning ``person.surname = "Jansen"`` stores a ``Pending`` value; the session's
  ``before_flush`` hook seals every pending value into a ``Sealed`` ciphertext; loading gives
  ``Sealed``. The column type refuses anything that is not ``Sealed``, so plaintext cannot
  reach the database by any path (and cannot be compared in a query).
- Reading plaintext goes through ``decrypt_field(obj, field)``, and only through it. Showing
  personal data to a user will go through the policy point, which decides, writes the audit
  event and then calls ``decrypt_field``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, ClassVar

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import LargeBinary, Uuid, event, inspect
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column, object_session
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.types import TypeDecorator

from portal.crypto import aead
from portal.crypto.aead import KINDS, Kind, decode_value, encode_value, failure
from portal.crypto.blind_index import digest, normalise
from portal.crypto.context import crypto_for
from portal.crypto.errors import KeyUnavailable

log = logging.getLogger("portal.crypto")


@dataclass(frozen=True, slots=True)
class Sealed:
    """A ciphertext as stored. Prints as ``<sealed>``: never bytes, never plaintext."""

    blob: bytes

    def __repr__(self) -> str:
        return "<sealed>"

    __str__ = __repr__


#: The Python type of a personal column. A service assigns plaintext (sealed at flush); a
#: loaded row holds a ``Sealed`` ciphertext, read only through ``decrypt_field``. Typing the
#: column as both keeps assignments checked without pretending a read gives plaintext.
Personal = Sealed | str | bytes | int | bool | date | list[Any] | dict[str, Any] | None


@dataclass(frozen=True, slots=True, eq=False)
class Pending:
    """A plaintext assigned in this session, sealed at the next flush."""

    value: Any

    def __repr__(self) -> str:
        return "<sealed>"

    __str__ = __repr__


class Erased:
    """What a field reads as once its data key was destroyed: gone for good, not an error."""

    _instance: ClassVar[Erased | None] = None

    def __new__(cls) -> Erased:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        # Translated for the user in a request; the Dutch source text elsewhere (CLI, jobs).
        return gettext("[gewist]") if has_request_context() else "[gewist]"

    def __repr__(self) -> str:
        return "ERASED"


ERASED = Erased()


class EncryptedType(TypeDecorator[Sealed]):
    """A column holding an AES-256-GCM ciphertext (LargeBinary on every database)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, kind: Kind) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        super().__init__()
        self.kind = kind

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
        # Never a plaintext, whatever path it took (Core insert, query comparison, bug).
        raise TypeError("an encrypted column only stores sealed values")

    def process_result_value(self, value: Any, dialect: Any) -> Sealed | None:
        return None if value is None else Sealed(bytes(value))


def personal(
    kind: Kind, category: str | None = None, *, choices: tuple[str, ...] | None = None
) -> Any:
    """An encrypted personal column, declared together with its data category.

    The category is the covenant's (``identity``, ``contact``, ``household``, ...): it decides
    who may see the field (``portal.sharing``) and how long it is kept (retention). Without a
    category the column belongs to the category of its whole row (``__category__``, e.g. a
    groundwork item). Declaring both in one place is what keeps every personal field in
    exactly one category; ``tests/test_categories.py`` fails on a column without one.

    ``choices`` marks a coded field (a channel, a status): it holds one of those codes, shown
    as its label, never free text (the privacy sweep leaves such fields their real code).
    """
    info: dict[str, Any] = {"category": category} if category else {}
    if choices:
        info["choices"] = choices
    return mapped_column(EncryptedType(kind), info=info)


class EncryptedRow:
    """Mixin for a model with ``EncryptedType`` columns."""

    #: The row's identity in the AAD; assigned before the first INSERT, never changed.
    row_uid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)

    #: Blind indexes kept up to date at flush: index field -> source attributes.
    __blind_indexes__: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Field -> data category, collected from the ``personal(...)`` declarations when the
    #: class is defined (never written by hand). A field with no category is left out, which
    #: ``tests/test_categories.py`` reports.
    __categories__: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        found = dict(getattr(cls, "__categories__", {}))
        row_category = getattr(cls, "__category__", None)
        for name, value in list(vars(cls).items()):
            column = getattr(value, "column", None)
            if isinstance(getattr(column, "type", None), EncryptedType):
                category = column.info.get("category") or row_category  # type: ignore[union-attr]  # column is set: its type was checked
                if category:
                    found[name] = category
        cls.__categories__ = found
        super().__init_subclass__(**kwargs)

    def category_of(self, field: str) -> str:
        """The data category of one field of this row (a row may refine its class's
        declaration, as ``Person`` does for household members other than the main tenant)."""
        return type(self).__categories__[field]

    @classmethod
    def category_parts(cls, category: str) -> list[tuple[tuple[str, ...], Any]]:
        """Where ``category`` lives in this table: (fields, row condition or ``None``) pairs.

        Retention erases a category through this, so a row-dependent category (see
        ``category_of``) is erased on the same schedule as it is shown.
        """
        names = tuple(sorted(f for f, c in cls.__categories__.items() if c == category))
        return [(names, None)] if names else []

    def encryption_key_id(self) -> int | None:
        """The data key to encrypt this row's fields with (its case's key)."""
        raise NotImplementedError

    def set_blind_index(self, index_field: str, digest: str | None) -> None:
        """Store (or with ``None`` remove) this row's digest for ``index_field``."""
        raise NotImplementedError


# --- wiring ---------------------------------------------------------------------------------

_COLUMNS: dict[type, dict[str, tuple[str, Kind]]] = {}
#: Set while the flush hook writes a cleared field (so ``None`` is not made pending again).
_SEALING: ContextVar[bool] = ContextVar("kp_sealing", default=False)


def encrypted_columns(cls: type) -> dict[str, tuple[str, Kind]]:
    """attribute name -> (column name, kind) of the encrypted columns of a mapped class."""
    found = _COLUMNS.get(cls)
    if found is None:
        mapper: Mapper[Any] = cls.__mapper__  # type: ignore[attr-defined]  # a mixin; mapped subclasses have it
        found = {
            attr.key: (attr.columns[0].name, attr.columns[0].type.kind)
            for attr in mapper.column_attrs
            if isinstance(attr.columns[0].type, EncryptedType)
        }
        _COLUMNS[cls] = found
    return found


def _on_set(kind: Kind, _target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    """Assigning a plaintext validates it and keeps it as ``Pending`` until the flush.

    ``None`` is pending too, so that clearing a field also clears its blind index.
    """
    if isinstance(value, Sealed) or (value is None and _SEALING.get()):
        return value  # a ciphertext copied as is still names its old row: it will not open
    if isinstance(value, Pending):
        value = value.value
    if isinstance(value, Erased):
        raise TypeError("an erased value cannot be stored")
    if value is not None:
        encode_value(kind, value)  # TypeError or ValueError now, not at flush
    return Pending(value)


def _guard_row_uid(target: Any, value: Any, old: Any, _initiator: Any) -> None:
    """A stored row's uid is in the AAD of all its ciphertexts: changing it loses them."""
    if inspect(target).has_identity and old not in (None, NO_VALUE) and value != old:
        raise ValueError("row_uid of a stored row never changes")


@event.listens_for(Mapper, "mapper_configured")
def _instrument(_mapper: Mapper[Any], cls: type) -> None:
    if not issubclass(cls, EncryptedRow):
        return
    event.listen(cls.row_uid, "set", _guard_row_uid)
    for key, (_column, kind) in encrypted_columns(cls).items():
        event.listen(getattr(cls, key), "set", partial(_on_set, kind), retval=True)


@event.listens_for(Session, "before_flush")
def _seal_pending(session: Session, _flush_context: Any, _instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, EncryptedRow):
            seal_pending(session, obj)


def seal_pending(session: Session, obj: EncryptedRow) -> None:
    """Encrypt the pending values of one row and refresh the blind indexes they feed."""
    from portal.crypto.service import cipher_for

    columns = encrypted_columns(type(obj))
    pending = {key: value for key in columns if isinstance(value := obj.__dict__.get(key), Pending)}
    if not pending:
        return
    if obj.row_uid is None:
        obj.row_uid = uuid.uuid4()
    with session.no_autoflush:
        indexes = _blind_indexes(session, obj, pending)
        key_id = cipher = None
        if any(value.value is not None for value in pending.values()):
            key_id = obj.encryption_key_id()
            cipher = cipher_for(session, key_id) if key_id is not None else None
            if cipher is None:
                raise KeyUnavailable("no live data key for this row")
        table = obj.__table__.name  # type: ignore[attr-defined]  # a mixin; mapped subclasses have it
        for key, value in pending.items():
            if value.value is None:
                token = _SEALING.set(True)
                try:
                    setattr(obj, key, None)
                finally:
                    _SEALING.reset(token)
                continue
            assert cipher is not None and key_id is not None  # a value to seal got a live key
            column, kind = columns[key]
            context = aead.row_context(table, column, obj.row_uid)
            blob = aead.seal(cipher, key_id, encode_value(kind, value.value), context)
            setattr(obj, key, Sealed(blob))
        for index_field, value_digest in indexes.items():
            obj.set_blind_index(index_field, value_digest)


def _blind_indexes(
    session: Session, obj: EncryptedRow, pending: dict[str, Pending]
) -> dict[str, str | None]:
    """New digests for the indexes whose source fields changed (None: not indexable)."""
    changed: dict[str, str | None] = {}
    for index_field, sources in obj.__blind_indexes__.items():
        if not any(source in pending for source in sources):
            continue
        values = [
            pending[s].value if s in pending else decrypt_field(obj, s, session=session)
            for s in sources
        ]
        changed[index_field] = index_digest(session, index_field, values)
    return changed


def index_digest(session: Session, index_field: str, values: list[Any]) -> str | None:
    """The blind-index digest of one index's source values (None: empty or not indexable)."""
    if any(v is None or isinstance(v, Erased) or v == "" for v in values):
        return None
    try:
        normalised = normalise(index_field, *values)
    except ValueError:
        log.warning("value not indexable", extra={"event": "blind_index_skipped"})
        return None
    return digest(crypto_for(session), index_field, normalised)


# --- writing in bulk --------------------------------------------------------------------------


def sealed_values(
    session: Session, cls: type, key_id: int, row_uid: uuid.UUID, values: dict[str, Any]
) -> dict[str, Sealed | None]:
    """Seal a row's plaintext values for a bulk INSERT or UPDATE that bypasses the unit of work
    (imports of thousands of rows): exactly the ciphertexts a flush would write for the row
    ``row_uid`` of ``cls`` under data key ``key_id``. ``None`` stays ``None``.
    """
    from portal.crypto.service import cipher_for

    cipher = cipher_for(session, key_id)
    if cipher is None:
        raise KeyUnavailable("no live data key for this row")
    columns = encrypted_columns(cls)
    table = cls.__table__.name  # type: ignore[attr-defined]  # a mixin; mapped subclasses have it
    present = [key for key, value in values.items() if value is not None]
    blobs = aead.seal_many(
        cipher,
        key_id,
        [
            (
                encode_value(columns[key][1], values[key]),
                aead.row_context(table, columns[key][0], row_uid),
            )
            for key in present
        ],
    )
    sealed: dict[str, Sealed | None] = dict.fromkeys(values)
    for key, blob in zip(present, blobs, strict=True):
        sealed[key] = Sealed(blob)
    return sealed


# --- reading ----------------------------------------------------------------------------------


def decrypt_field(obj: EncryptedRow, field: str, *, session: Session | None = None) -> Any:
    """The plaintext of one encrypted field: the ONLY way to read personal data.

    Returns ``None`` for an empty field and ``ERASED`` when the row's data key was destroyed.
    Raises ``DecryptionError`` for a missing or wrong key or a tampered ciphertext. Views do
    not call this directly: they go through the policy point, which wraps it.
    """
    from portal.crypto.service import cipher_for

    columns = encrypted_columns(type(obj))
    if field not in columns:
        raise AttributeError(f"{type(obj).__name__}.{field} is not an encrypted field")
    value = getattr(obj, field)
    if value is None:
        return None
    if isinstance(value, Pending):
        return value.value
    session = session or object_session(obj)
    if session is None:
        raise failure("no-session")
    column, kind = columns[field]
    key_id = aead.key_id_of(value.blob)
    cipher = cipher_for(session, key_id)
    if cipher is None:
        return ERASED
    table = obj.__table__.name  # type: ignore[attr-defined]  # a mixin; mapped subclasses have it
    plaintext = aead.unseal(cipher, value.blob, aead.row_context(table, column, obj.row_uid))
    try:
        return decode_value(kind, plaintext)
    except ValueError:
        raise failure("bad-plaintext") from None


def preload_keys(session: Session, rows: Iterable[EncryptedRow], *fields: str) -> None:
    """Unwrap the data keys that ``fields`` of ``rows`` need in one go (for lists).

    Only a speed-up: ``decrypt_field`` stays the one way to read, and would load the same
    keys one query at a time.
    """
    from portal.crypto.service import preload_data_keys

    key_ids = set()
    for row in rows:
        for field in fields:
            value = getattr(row, field)
            if isinstance(value, Sealed) and len(value.blob) >= aead.OVERHEAD:
                key_ids.add(aead.HEADER.unpack_from(value.blob)[1])
    preload_data_keys(session, key_ids)


def decrypt_fields(obj: EncryptedRow, *fields: str, session: Session | None = None) -> dict:
    """Several fields of one row, each through ``decrypt_field``."""
    return {field: decrypt_field(obj, field, session=session) for field in fields}
