"""Master keys (key-encryption keys, KEKs) and the interface that wraps data keys with them.

Data keys are never stored in the clear: ``wrap`` turns a data key into an opaque blob tagged
with the master-key version that made it, ``unwrap`` turns it back. The application only
talks to the ``KeyWrapper`` protocol, so a KMS or HSM (for example HashiCorp Vault's transit
engine) can hold the master key in production; ``LocalKeyring`` is the built-in
implementation, with master keys from the environment or a key file (see docs/keys.md).
"""

from __future__ import annotations

import base64
import binascii
import importlib
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.config import ConfigError

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit GCM nonce
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_WRAP_AAD = b"ketenportaal/data-key/v1|"


@runtime_checkable
class KeyWrapper(Protocol):
    """What the application needs from whoever holds the master keys.

    ``wrap`` must always use the primary version and return it; ``unwrap`` must accept every
    version that still wraps a data key (old versions stay configured until ``keys status``
    shows none left on them). Failures raise any exception; callers treat them as
    "the key cannot be unwrapped".
    """

    @property
    def primary_version(self) -> str: ...

    def wrap(self, data_key: bytes) -> tuple[str, bytes]: ...

    def unwrap(self, kek_version: str, wrapped: bytes) -> bytes: ...


class LocalKeyring:
    """Versioned AES-256 master keys held in process memory; wraps with AES-256-GCM.

    The wrapped form is ``nonce (12 bytes) || ciphertext || tag``; the AAD names the master
    key version, so a wrapped key relabelled with another version fails to unwrap.
    """

    def __init__(self, keys: Mapping[str, bytes], primary: str) -> None:
        if primary not in keys:
            raise ConfigError("the primary master key version is not in the keyring")
        for version, key in keys.items():
            if not _VERSION.match(version):
                raise ConfigError(f"invalid master key version name: {version!r}")
            if len(key) != KEY_BYTES:
                raise ConfigError(f"master key {version} must be {KEY_BYTES} bytes")
        self._ciphers = {version: AESGCM(key) for version, key in keys.items()}
        self._primary = primary

    @property
    def primary_version(self) -> str:
        return self._primary

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        aad = _WRAP_AAD + self._primary.encode()
        return self._primary, nonce + self._ciphers[self._primary].encrypt(nonce, data_key, aad)

    def unwrap(self, kek_version: str, wrapped: bytes) -> bytes:
        cipher = self._ciphers.get(kek_version)
        if cipher is None:
            raise KeyError("master key version not configured")
        if len(wrapped) < NONCE_BYTES + 16:
            raise ValueError("wrapped key too short")
        nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        try:
            return cipher.decrypt(nonce, body, _WRAP_AAD + kek_version.encode())
        except InvalidTag:
            raise ValueError("wrapped key does not verify under this master key") from None

    def __repr__(self) -> str:  # never the keys
        return f"<LocalKeyring primary={self._primary} versions={list(self._ciphers)}>"


def decode_key(text: str, what: str) -> bytes:
    """Base64 (standard or URL-safe, padding optional) of exactly 32 bytes."""
    compact = text.strip().rstrip("=").replace("+", "-").replace("/", "_")
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{what} is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise ConfigError(f"{what} must decode to {KEY_BYTES} bytes")
    return raw


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_master_keys(text: str, source: str) -> LocalKeyring:
    """Parse ``"v2:KEY,v1:KEY"`` (commas or new lines; ``#`` starts a comment line).

    The first entry is primary, unless exactly one entry is marked with a leading ``*``.
    """
    keys: dict[str, bytes] = {}
    marked: list[str] = []
    for raw_entry in re.split(r"[,\n]", text):
        entry = raw_entry.strip()
        if not entry or entry.startswith("#"):
            continue
        star = entry.startswith("*")
        version, sep, encoded = entry.lstrip("*").partition(":")
        version = version.strip()
        if not sep or not _VERSION.match(version):
            raise ConfigError(f"{source}: each entry is VERSION:BASE64KEY")
        if version in keys:
            raise ConfigError(f"{source}: master key version {version} appears twice")
        keys[version] = decode_key(encoded, f"{source} key {version}")
        if star:
            marked.append(version)
    if not keys:
        raise ConfigError(f"{source} holds no master key")
    if len(marked) > 1:
        raise ConfigError(f"{source}: mark at most one master key as primary with '*'")
    return LocalKeyring(keys, marked[0] if marked else next(iter(keys)))


def load_key_wrapper(config: Mapping[str, Any]) -> KeyWrapper:
    """The configured wrapper: a KMS adapter factory, the environment, or a key file."""
    factory_path = config.get("KP_KEY_WRAPPER") or ""
    inline = config.get("KP_MASTER_KEYS") or ""
    key_file = config.get("KP_MASTER_KEY_FILE") or ""
    if inline and key_file:
        raise ConfigError("set KP_MASTER_KEYS or KP_MASTER_KEY_FILE, not both")
    if factory_path:
        module_name, _, attr = factory_path.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError):
            raise ConfigError("KP_KEY_WRAPPER must name an importable module:factory") from None
        wrapper = factory(config)
        if not isinstance(wrapper, KeyWrapper):
            raise ConfigError("KP_KEY_WRAPPER factory did not return a KeyWrapper")
        return wrapper
    if inline:
        return parse_master_keys(inline, "KP_MASTER_KEYS")
    if key_file:
        try:
            text = Path(key_file).read_text()
        except OSError:
            raise ConfigError("KP_MASTER_KEY_FILE cannot be read") from None
        return parse_master_keys(text, "KP_MASTER_KEY_FILE")
    raise ConfigError("no master keys configured (KP_MASTER_KEYS or KP_MASTER_KEY_FILE)")


def next_version(existing: tuple[str, ...] | list[str]) -> str:
    """``v<n+1>`` after the highest ``v<n>`` in use."""
    numbers = [int(v[1:]) for v in existing if re.fullmatch(r"v\d+", v)]
    return f"v{max(numbers, default=0) + 1}"


def new_master_key_entry(version: str) -> str:
    """A fresh ``VERSION:BASE64KEY`` entry from the operating system's CSPRNG."""
    return f"{version}:{encode_key(secrets.token_bytes(KEY_BYTES))}"


def add_to_key_file(path: Path, entry: str) -> None:
    """Make ``entry`` the primary key of a key file: first line, any ``*`` mark removed.

    Written to a new file and renamed, so a crash leaves the old file or the new one.
    """
    old = path.read_text().splitlines() if path.exists() else []
    lines = [entry] + [line.replace("*", "", 1) if line.startswith("*") else line for line in old]
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
