"""Master keys: configuration, the development default, production rules, KMS adapters."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import create_app
from portal.config import ConfigError, from_env
from portal.crypto.context import STATE_KEY
from portal.crypto.keyring import (
    KeyWrapper,
    LocalKeyring,
    add_to_key_file,
    decode_key,
    load_key_wrapper,
    next_version,
    parse_master_keys,
)
from tests.conftest import make_test_config
from tests.crypto.conftest import new_key

# Fixed test keys: parametrized test ids must be the same in every xdist worker.
K1, K2, K3 = (bytes([n]) * 32 for n in (1, 2, 3))


def b64(raw: bytes, urlsafe: bool = False) -> str:
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()


def test_first_entry_is_primary():
    ring = parse_master_keys(f"v2:{b64(K2)},v1:{b64(K1)}", "test")
    assert ring.primary_version == "v2" and ring.versions == ("v2", "v1")


def test_a_marked_entry_is_primary_and_lines_work():
    ring = parse_master_keys(
        f"# keys\nv1:{b64(K1)}\n*v2:{b64(K2, urlsafe=True).rstrip('=')}\n", "t"
    )
    assert ring.primary_version == "v2"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "v1",
        f"v1:{b64(K1)},v1:{b64(K2)}",
        f"*v1:{b64(K1)},*v2:{b64(K2)}",
        f"v1:{b64(K1[:16])}",
        "v1:not base64!",
        f"bad version:{b64(K1)}",
    ],
)
def test_bad_key_configuration_is_refused(text):
    with pytest.raises(ConfigError):
        parse_master_keys(text, "KP_MASTER_KEYS")


def test_key_errors_never_echo_the_key():
    secret = b64(K1[:16])
    with pytest.raises(ConfigError) as caught:
        parse_master_keys(f"v1:{secret}", "KP_MASTER_KEYS")
    assert secret not in str(caught.value)


@given(st.binary(min_size=32, max_size=32))
def test_wrap_unwrap_round_trip(data_key):
    ring = LocalKeyring({"v1": K1, "v2": K2}, "v2")
    version, wrapped = ring.wrap(data_key)
    assert version == "v2" and data_key not in wrapped
    assert ring.unwrap(version, wrapped) == data_key


def test_wrapped_keys_are_bound_to_their_version():
    ring = LocalKeyring({"v1": K1, "v2": K1}, "v2")  # even with the same key material
    _version, wrapped = ring.wrap(os.urandom(32))
    with pytest.raises(ValueError, match="does not verify"):
        ring.unwrap("v1", wrapped)
    with pytest.raises(KeyError):
        ring.unwrap("v9", wrapped)
    assert "K1" not in repr(ring) and b64(K1) not in repr(ring)


def test_development_generates_keys_in_the_instance_folder(tmp_path):
    config = from_env(tmp_path, env={})
    key_file = tmp_path / "master_keys"
    assert config["KP_MASTER_KEY_FILE"] == str(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_key_wrapper(config).primary_version == "v1"
    assert len(decode_key(config["KP_INDEX_KEY"], "index")) == 32
    again = from_env(tmp_path, env={})
    assert again["KP_INDEX_KEY"] == config["KP_INDEX_KEY"]
    assert again["KP_MASTER_KEY_FILE"] == str(key_file)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"KP_INDEX_KEY": b64(K3)}, "KP_MASTER_KEYS"),
        ({"KP_MASTER_KEYS": f"v1:{b64(K1)}"}, "KP_INDEX_KEY"),
    ],
)
def test_production_refuses_to_start_without_keys(tmp_path, env, missing):
    base = {"KP_ENV": "production", "SECRET_KEY": "s", "DATABASE_URL": "sqlite://"}
    with pytest.raises(ConfigError, match=missing):
        from_env(tmp_path, env=base | env)
    assert not (tmp_path / "master_keys").exists() and not (tmp_path / "index_key").exists()


def test_production_starts_with_configured_keys(tmp_path):
    env = {
        "KP_ENV": "production",
        "SECRET_KEY": "s",
        "DATABASE_URL": "sqlite://",
        "KP_MASTER_KEYS": f"v3:{new_key()},v2:{new_key()}",
        "KP_INDEX_KEY": new_key(),
    }
    config = from_env(tmp_path, env=env)
    assert load_key_wrapper(config).primary_version == "v3"


def test_key_file_outside_the_database(tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_text(f"v1:{b64(K1)}\n")
    assert load_key_wrapper({"KP_MASTER_KEY_FILE": str(key_file)}).primary_version == "v1"
    add_to_key_file(key_file, f"v2:{b64(K2)}")
    ring = load_key_wrapper({"KP_MASTER_KEY_FILE": str(key_file)})
    assert ring.primary_version == "v2" and set(ring.versions) == {"v1", "v2"}
    with pytest.raises(ConfigError):
        load_key_wrapper({"KP_MASTER_KEY_FILE": str(tmp_path / "missing")})
    with pytest.raises(ConfigError):
        load_key_wrapper({"KP_MASTER_KEY_FILE": str(key_file), "KP_MASTER_KEYS": "v1:x"})


def test_adding_a_key_unmarks_the_old_primary(tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_text(f"v1:{b64(K1)}\n*v2:{b64(K2)}\n")
    add_to_key_file(key_file, f"v3:{b64(K3)}")
    assert parse_master_keys(key_file.read_text(), "f").primary_version == "v3"


def test_next_version():
    assert next_version([]) == "v1"
    assert next_version(["v1", "v9", "hsm-2"]) == "v10"


class RemoteWrapper:
    """Stands in for a KMS adapter (e.g. Vault transit): anything with the protocol works."""

    def __init__(self, config) -> None:
        self.ring = LocalKeyring({"remote-7": K3}, "remote-7")
        self.calls = 0

    @property
    def primary_version(self) -> str:
        return self.ring.primary_version

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        self.calls += 1
        return self.ring.wrap(data_key)

    def unwrap(self, kek_version: str, wrapped: bytes) -> bytes:
        self.calls += 1
        return self.ring.unwrap(kek_version, wrapped)


def not_a_wrapper(config) -> object:
    return object()


def test_a_kms_adapter_can_hold_the_master_key(tmp_path):
    wrapper = load_key_wrapper({"KP_KEY_WRAPPER": f"{__name__}:RemoteWrapper"})
    assert isinstance(wrapper, KeyWrapper) and wrapper.primary_version == "remote-7"
    app = create_app(
        make_test_config(
            "sqlite://",
            tmp_path,
            KP_KEY_WRAPPER=f"{__name__}:RemoteWrapper",
            KP_INDEX_KEY=new_key(),
        )
    )
    assert isinstance(app.extensions[STATE_KEY].wrapper, RemoteWrapper)
    assert not (tmp_path / "master_keys").exists()
    with pytest.raises(ConfigError):
        load_key_wrapper({"KP_KEY_WRAPPER": "no.such.module:factory"})
    with pytest.raises(ConfigError):
        load_key_wrapper({"KP_KEY_WRAPPER": f"{__name__}:not_a_wrapper"})
