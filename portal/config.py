"""Configuration from environment variables.

Every setting the operator may change comes from the environment, so that app servers are
stateless and secrets never live in the repository. In development the defaults work out of
the box: a SQLite file and a generated secret in the instance folder (git-ignored).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc


def instance_file(instance_path: Path, name: str, make: Callable[[], str]) -> Path:
    """A generated development file in the instance folder (mode 0600), created once."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / name
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path


def instance_secret(instance_path: Path, name: str, nbytes: int = 32) -> str:
    """Read a generated development secret from the instance folder, creating it once."""
    path = instance_file(instance_path, name, lambda: secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


def from_env(
    instance_path: Path, env: dict[str, str] | None = None, preset: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build the Flask config mapping from the environment (``os.environ`` by default).

    ``preset`` holds values the caller fixes (tests); they win, and no development secret is
    generated for a value the preset already gives.
    """
    env = dict(os.environ if env is None else env)
    preset = preset or {}
    for key in (
        "KP_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "KP_MASTER_KEYS",
        "KP_MASTER_KEY_FILE",
        "KP_KEY_WRAPPER",
        "KP_INDEX_KEY",
    ):
        if preset.get(key):
            env[key] = preset[key]
    kp_env = env.get("KP_ENV", "development")
    if kp_env not in ENVIRONMENTS:
        raise ConfigError(f"KP_ENV must be one of {', '.join(ENVIRONMENTS)}")
    production = kp_env == "production"

    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set in production")
        secret_key = instance_secret(instance_path, "secret_key")

    database_url = env.get("DATABASE_URL")
    if not database_url:
        if production:
            raise ConfigError("DATABASE_URL must be set in production")
        database_url = f"sqlite:///{instance_path / 'ketenportaal.sqlite'}"

    # Field encryption keys (docs/keys.md): never in the database; generated only in development.
    master_keys = env.get("KP_MASTER_KEYS", "")
    master_key_file = env.get("KP_MASTER_KEY_FILE", "")
    key_wrapper = env.get("KP_KEY_WRAPPER", "")
    if not (master_keys or master_key_file or key_wrapper):
        if production:
            raise ConfigError("KP_MASTER_KEYS or KP_MASTER_KEY_FILE must be set in production")
        master_key_file = str(
            instance_file(
                instance_path,
                "master_keys",
                lambda: (
                    "# development master keys; first line is primary\n"
                    f"v1:{secrets.token_urlsafe(32)}\n"
                ),
            )
        )
    index_key = env.get("KP_INDEX_KEY", "")
    if not index_key:
        if production:
            raise ConfigError("KP_INDEX_KEY must be set in production")
        index_key = instance_secret(instance_path, "index_key")

    https = _bool(env.get("KP_HTTPS"), default=production)
    config: dict[str, Any] = {
        "KP_ENV": kp_env,
        "DEBUG": False,
        "TESTING": kp_env == "testing",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "REDIS_URL": env.get("REDIS_URL", ""),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Reverse proxies in front of the app (0: none): how many X-Forwarded-* hops to trust.
        "KP_TRUSTED_PROXIES": _int(env, "KP_TRUSTED_PROXIES", 0),
        # Key material (see docs/keys.md). Unset in development: generated files in instance/.
        "KP_MASTER_KEYS": master_keys,
        "KP_MASTER_KEY_FILE": master_key_file,
        "KP_KEY_WRAPPER": key_wrapper,
        "KP_INDEX_KEY": index_key,
        # Ed25519 seed (base64url, 32 bytes) that signs audit checkpoints; extra public keys
        # (base64url, comma-separated) verify checkpoints signed before a key change.
        "KP_AUDIT_SIGNING_KEY": env.get("KP_AUDIT_SIGNING_KEY")
        or ("" if production else instance_secret(instance_path, "audit_signing_key")),
        "KP_AUDIT_PUBLIC_KEYS": env.get("KP_AUDIT_PUBLIC_KEYS", ""),
        # Where `audit checkpoint` appends each signed checkpoint and `audit verify` reads them
        # back: outside the database (another disk, a log the operator keeps), so that a
        # rewritten or cut-off chain is caught even when the stored checkpoints were removed.
        "KP_AUDIT_CHECKPOINT_FILE": env.get("KP_AUDIT_CHECKPOINT_FILE")
        or str(instance_path / "audit-checkpoints.txt"),
        # Outgoing mail through the outbox: "smtp" in production, "file" (.eml files in
        # instance/mail) in development, "memory" in tests.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "file"),
        "MAIL_FROM": env.get("MAIL_FROM", "Ketenportaal <noreply@ketenportaal.example>"),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _int(env, "SMTP_PORT", 25),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), default=production),
        # Text messages (consent invitations and codes): "file" (instance/sms) in development,
        # "memory" in tests; production names an adapter ``module:factory`` (consent/sms.py).
        "SMS_BACKEND": env.get("SMS_BACKEND", "file" if not production else ""),
        # The development mailbox (portal/outbox/dev_mailbox.py, set by `make run`): e-mail is
        # delivered right after the request that queued it, and /ontwikkeling/postbus shows it
        # with the text messages. Development and testing only: production refuses it below.
        "DEV_MAILBOX": _bool(env.get("DEV_MAILBOX")),
        # Consent requests (consent/): how long an invitation link works, the one-time code,
        # attempts before the identity check locks, and the tenant's idle timeout.
        "CONSENT_LINK_DAYS": _int(env, "CONSENT_LINK_DAYS", 14),
        "CONSENT_CODE_MINUTES": _int(env, "CONSENT_CODE_MINUTES", 10),
        "CONSENT_MAX_ATTEMPTS": _int(env, "CONSENT_MAX_ATTEMPTS", 5),
        "CONSENT_LOCK_MINUTES": _int(env, "CONSENT_LOCK_MINUTES", 30),
        "TENANT_SESSION_IDLE_MINUTES": _int(env, "TENANT_SESSION_IDLE_MINUTES", 15),
        # Tenant sign-in through a DigiD-style OIDC broker (optional).
        "TENANT_OIDC_ISSUER": env.get("TENANT_OIDC_ISSUER", ""),
        "TENANT_OIDC_CLIENT_ID": env.get("TENANT_OIDC_CLIENT_ID", ""),
        "TENANT_OIDC_CLIENT_SECRET": env.get("TENANT_OIDC_CLIENT_SECRET", ""),
        "OUTBOX_MAX_ATTEMPTS": _int(env, "OUTBOX_MAX_ATTEMPTS", 8),
        # The partner API: requests per minute per system, and whether a webhook may use
        # plain http (development and tests only: production posts to https addresses).
        "API_RATELIMIT": env.get("API_RATELIMIT", "600 per minute"),
        "API_WEBHOOK_ALLOW_HTTP": _bool(
            env.get("API_WEBHOOK_ALLOW_HTTP"), default=kp_env != "production"
        ),
        "OUTBOX_BACKOFF_SECONDS": _int(env, "OUTBOX_BACKOFF_SECONDS", 60),
        # Cases: days from a signal to the first contact attempt before a case is overdue.
        "CASE_CONTACT_DAYS": _int(env, "CASE_CONTACT_DAYS", 14),
        # The job queue (portal.jobs): Redis for several servers; without it the web process
        # runs the jobs and the schedule itself. JOBS_INLINE runs a job in the caller (tests).
        "JOBS_BROKER_URL": env.get("JOBS_BROKER_URL") or env.get("REDIS_URL", ""),
        "JOBS_NAMESPACE": env.get("JOBS_NAMESPACE", "ketenportaal"),
        "JOBS_EMBEDDED_SCHEDULER": _bool(env.get("JOBS_EMBEDDED_SCHEDULER"), default=True),
        "JOBS_INLINE": _bool(env.get("JOBS_INLINE")),
        # Sessions.
        "SESSION_IDLE_MINUTES": _int(env, "SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _int(env, "SESSION_MAX_HOURS", 10),
        # Sign-in: throttling per client address (Flask-Limiter), lockout per account
        # (in the database, so it holds across app servers).
        "LOGIN_RATELIMIT": env.get("LOGIN_RATELIMIT", "10 per minute;60 per hour"),
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int(env, "LOGIN_LOCK_MINUTES", 15),
        "INVITATION_DAYS": _int(env, "INVITATION_DAYS", 7),
        "SESSION_COOKIE_NAME": "kp_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": https,
        "KP_HTTPS": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # Forms and CSRF: the token is also accepted as the X-CSRFToken header (htmx).
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": https,
        # Rate limits: Redis when configured, memory otherwise.
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        # Several portals (or test runs) sharing one Redis keep their counts apart by this.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "ketenportaal"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Languages: Dutch first; Arabic is written right to left.
        "LANGUAGES": ("nl", "en", "tr", "ar"),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
    } | preset
    if config["KP_ENV"] == "production" and config["DEV_MAILBOX"]:
        # The mailbox shows invitation links and one-time codes to whoever opens it.
        raise ConfigError("DEV_MAILBOX is for development only: it must be off in production")
    return config
