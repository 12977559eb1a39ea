"""The `[upload]` table of feedpub.toml, checked once and frozen.

Every mistake is reported as a ConfigError naming `upload.<key>`, so a user fixes
the config instead of reading a traceback. Credentials are refused here on
purpose: they belong in the environment, ~/.netrc or an SSH key, never in a file
that people commit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from feedpub.errors import ConfigError
from feedpub.text import forbidden_character, shown_key, unknown_key_message

Fail = Callable[[str, str], ConfigError]  # (key, message) → the error to raise

SCHEMES = ("file", "sftp", "webdav", "webdavs", "http", "https")
DEFAULT_USER_ENV = "FEEDPUB_UPLOAD_USER"
DEFAULT_PASSWORD_ENV = "FEEDPUB_UPLOAD_PASSWORD"
DEFAULT_PASSPHRASE_ENV = "FEEDPUB_SSH_PASSPHRASE"

MAX_TIMEOUT = 600.0  # seconds; a run every minute must not hang on one request for longer
MAX_BACKOFF = 60.0

KNOWN_KEYS = (
    "target",
    "method",
    "username_env",
    "password_env",
    "identity_file",
    "passphrase_env",
    "known_hosts",
    "ca_bundle",
    "timeout",
    "retries",
    "backoff",
    "after_build",
)


@dataclass(frozen=True)
class UploadSettings:
    """What the uploader needs, with defaults filled in; holds no secret, only env var names."""

    target: str
    scheme: str
    method: str = "PUT"
    username_env: str = DEFAULT_USER_ENV
    password_env: str = DEFAULT_PASSWORD_ENV
    identity_file: Path | None = None
    passphrase_env: str = DEFAULT_PASSPHRASE_ENV
    known_hosts: Path | None = None
    ca_bundle: Path | None = None
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    after_build: bool = False

    @property
    def display_target(self) -> str:
        """The target URL safe to print: no user info at all, so no password can leak."""
        return redact_url(self.target)


def redact_url(url: str) -> str:
    """Drop `user:password@` from a URL before it goes into any message."""
    parts = urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def parse_settings(table: Mapping[str, object], config_path: str) -> UploadSettings:
    """Check the raw `[upload]` table and return frozen settings, or raise ConfigError."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(config_path, shown_key(f"upload.{key}"), message)

    if not isinstance(table, Mapping):
        raise ConfigError(config_path, "upload", 'must be a table, e.g. [upload] target = "…"')
    for key in table:
        if key not in KNOWN_KEYS:
            raise fail(str(key), unknown_key_message(str(key), KNOWN_KEYS, "upload."))
    target = _target(table, fail)
    scheme = urlsplit(target).scheme.lower()
    method = _string(table, "method", "PUT", fail).upper()
    if method != "PUT":
        raise fail("method", f'{method!r} is not supported; the only method is "PUT"')
    if scheme in ("http", "https") and "method" not in table:
        raise fail("method", f'a {scheme}:// target needs method = "PUT" (WebDAV PUT + MOVE)')
    return UploadSettings(
        target=target,
        scheme=scheme,
        method=method,
        username_env=_env_name(table, "username_env", DEFAULT_USER_ENV, fail),
        password_env=_env_name(table, "password_env", DEFAULT_PASSWORD_ENV, fail),
        identity_file=_path(table, "identity_file", fail),
        passphrase_env=_env_name(table, "passphrase_env", DEFAULT_PASSPHRASE_ENV, fail),
        known_hosts=_path(table, "known_hosts", fail),
        ca_bundle=_path(table, "ca_bundle", fail),
        timeout=_number(table, "timeout", 30.0, fail, minimum=0.1, maximum=MAX_TIMEOUT),
        retries=int(_number(table, "retries", 3, fail, minimum=0, maximum=10, integer=True)),
        backoff=_number(table, "backoff", 1.0, fail, minimum=0.0, maximum=MAX_BACKOFF),
        after_build=_bool(table, "after_build", False, fail),
    )


def _target(table: Mapping[str, object], fail: Fail) -> str:
    """The target URL: a known scheme, a host where one is needed, and no password in it."""
    if "target" not in table:
        raise fail("target", 'missing; e.g. target = "webdavs://dav.example.org/feeds/"')
    target = table["target"]
    if not isinstance(target, str) or not target.strip():
        raise fail("target", 'must be a URL string, e.g. "sftp://user@host/srv/www/feeds"')
    _check_characters(target, "target", fail)
    try:
        parts = urlsplit(target.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise fail("target", f"not a valid URL: {exc}") from None
    if parts.password is not None:
        raise fail(
            "target",
            "must not contain a password; set it in the environment or ~/.netrc instead",
        )
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise fail(
            "target",
            f"scheme {scheme + '://' if scheme else '(none)'} is not one of "
            + ", ".join(s + "://" for s in SCHEMES),
        )
    if scheme == "file" and parts.netloc not in ("", "localhost"):
        raise fail("target", "a file:// target must be local, e.g. file:///srv/www/feeds")
    if scheme != "file" and not parts.hostname:
        raise fail("target", f"a {scheme}:// target needs a host name")
    if scheme == "file" and parts.path.rstrip("/") == "":
        raise fail("target", "needs a folder path, e.g. file:///srv/www/feeds")
    return target.strip()


def _check_characters(value: str, key: str, fail: Fail) -> None:
    bad = forbidden_character(value)
    if bad:
        raise fail(key, bad[1])


def _string(table: Mapping[str, object], key: str, default: str, fail: Fail) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value:
        raise fail(key, "must be a non-empty string")
    _check_characters(value, key, fail)
    return value


def _env_name(table: Mapping[str, object], key: str, default: str, fail: Fail) -> str:
    """An environment variable *name*; a value that looks like a secret is refused."""
    value = _string(table, key, default, fail)
    if not value.replace("_", "").isalnum() or value[0].isdigit():
        raise fail(
            key,
            "must be the NAME of an environment variable (letters, digits, _), not the credential itself",
        )
    return value


def _path(table: Mapping[str, object], key: str, fail: Fail) -> Path | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, str) or not value:
        raise fail(key, "must be a file path string")
    _check_characters(value, key, fail)
    return Path(value).expanduser()


def _number(
    table: Mapping[str, object],
    key: str,
    default: float,
    fail: Fail,
    *,
    minimum: float,
    maximum: float,
    integer: bool = False,
) -> float:
    value = table.get(key, default)
    kinds: tuple[type[int] | type[float], ...] = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
        raise fail(key, f"must be {'a whole number' if integer else 'a number'}")
    if value < minimum:
        raise fail(key, f"must be at least {minimum:g}")
    if value > maximum:
        raise fail(key, f"must be at most {maximum:g}, so a dead host cannot stall the run")
    return float(value)


def _bool(table: Mapping[str, object], key: str, default: bool, fail: Fail) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise fail(key, "must be true or false")
    return value
