"""The `[upload]` table of feedpub.toml, checked once and frozen.

Every mistake is reported as a ConfigError naming `upload.<key>`, so a user fixes
the config instead of reading a traceback. Credentials are refused here on
purpose: they belong in the environment, ~/.netrc or an SSH key, never in a file
that people commit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from feedpub.errors import ConfigError
from feedpub.text import forbidden_character, shown_key, unknown_key_message

Fail = Callable[[str, str], ConfigError]  # (key, message) → the error to raise

SCHEMES = ("file", "sftp", "webdav", "webdavs", "http", "https", "s3")
DEFAULT_USER_ENV = "FEEDPUB_UPLOAD_USER"
DEFAULT_PASSWORD_ENV = "FEEDPUB_UPLOAD_PASSWORD"
DEFAULT_PASSPHRASE_ENV = "FEEDPUB_SSH_PASSPHRASE"

MAX_TIMEOUT = 600.0  # seconds; a run every minute must not hang on one request for longer
MAX_BACKOFF = 60.0
MAX_DEADLINE = 3600.0  # seconds for one whole network call, retries excluded

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
    "deadline",
    "endpoint_url",
    "region",
    "addressing_style",
    "profile",
    "acl",
    "purge",
)
S3_KEYS = ("endpoint_url", "region", "addressing_style", "profile", "acl")
ADDRESSING_STYLES = ("auto", "path", "virtual")
ACLS = ("private", "public-read")
PURGE_KEYS = ("method", "url", "token_env", "token_header", "json_key")
PURGE_METHODS = ("PURGE", "POST")
# S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens, a letter or digit at each end.
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")


@dataclass(frozen=True)
class PurgeSettings:
    """The ``[upload.purge]`` table: how to tell the CDN which public URLs changed.

    ``PURGE``: one ``PURGE <url>`` request per changed URL (Varnish, Fastly, nginx's
    cache purge). ``POST``: one JSON request to ``url`` per 30 URLs,
    ``{"<json_key>": [urls]}`` (Cloudflare's purge by URL uses ``files``). A token is
    sent only when ``token_env`` names the variable holding it.
    """

    method: str
    url: str | None = None
    token_env: str | None = None
    token_header: str = "Authorization"
    json_key: str = "files"


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
    deadline: float = 120.0  # total seconds for one request (SFTP: one file), slow trickles included
    endpoint_url: str | None = None  # S3: a non-AWS store's API endpoint
    region: str | None = None  # S3: the bucket's region (R2: "auto")
    addressing_style: str = "auto"  # S3: "path" for stores that need /bucket/key URLs
    profile: str | None = None  # S3: a profile of ~/.aws/credentials and ~/.aws/config
    acl: str | None = None  # S3: a canned ACL per object, for stores without a public bucket policy
    purge: PurgeSettings | None = None

    @property
    def display_target(self) -> str:
        """The target URL safe to print: no user info at all, so no password can leak."""
        return redact_url(self.target)

    @property
    def stores_headers(self) -> bool:
        """True when the target serves the Content-Type and Cache-Control we send (S3).

        Then a changed header (the blog closed) must be sent again like changed bytes;
        elsewhere the web server's configuration decides the headers.
        """
        return self.scheme == "s3"


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
    _reject_unknown(table, KNOWN_KEYS, "", fail)
    target = _target(table, fail)
    scheme = urlsplit(target).scheme.lower()
    if scheme != "s3":
        for key in S3_KEYS:
            if key in table:
                raise fail(key, "is only for s3:// targets")
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
        deadline=_number(table, "deadline", 120.0, fail, minimum=0.1, maximum=MAX_DEADLINE),
        endpoint_url=_endpoint(table, fail),
        region=_region(table, fail),
        addressing_style=_choice(table, "addressing_style", "auto", ADDRESSING_STYLES, fail),
        profile=_optional_string(table, "profile", fail),
        acl=_choice(table, "acl", "private", ACLS, fail) if "acl" in table else None,
        purge=_purge(table.get("purge"), fail),
    )


def _reject_unknown(table: Mapping[str, object], known: tuple[str, ...], prefix: str, fail: Fail) -> None:
    """An unknown key is an error, with the nearest known key as a hint for a typo."""
    for key in table:
        if key not in known:
            raise fail(prefix + str(key), unknown_key_message(str(key), known, f"upload.{prefix}"))


def _endpoint(table: Mapping[str, object], fail: Fail) -> str | None:
    """An http(s) URL with a host and no credential (the keys come from the environment)."""
    value = _optional_string(table, "endpoint_url", fail)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail("endpoint_url", 'must be an http(s) URL, e.g. "https://<account>.r2.cloudflarestorage.com"')
    if parts.username or parts.password:
        raise fail("endpoint_url", "must not contain credentials; set AWS_ACCESS_KEY_ID and "
                   "AWS_SECRET_ACCESS_KEY in the environment or use a profile")
    return value


def _region(table: Mapping[str, object], fail: Fail) -> str | None:
    value = _optional_string(table, "region", fail)
    if value is not None and not re.fullmatch(r"[a-z0-9-]+", value):
        raise fail("region", 'must be a region name such as "eu-west-1" (or "auto" for R2)')
    return value


def _purge(value: object, fail: Fail) -> PurgeSettings | None:
    """The optional ``[upload.purge]`` table."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise fail("purge", 'must be a table: [upload.purge] method = "PURGE"')
    _reject_unknown(value, PURGE_KEYS, "purge.", fail)

    def sub(key: str, message: str) -> ConfigError:
        return fail(f"purge.{key}", message)

    if "method" not in value:
        raise sub("method", 'missing; "PURGE" (Varnish, Fastly) or "POST" (an API such as Cloudflare\'s)')
    method = _choice(value, "method", "PURGE", PURGE_METHODS, sub)
    url = _optional_string(value, "url", sub)
    if method == "POST" and url is None:
        raise sub("url", "is required with method = \"POST\": the purge API's URL")
    if method == "PURGE" and url is not None:
        raise sub("url", "is only for method = \"POST\"; PURGE goes to each changed public URL")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise sub("url", "must be an absolute http(s) URL")
        if parts.username or parts.password:
            raise sub("url", "must not contain credentials; name a variable in purge.token_env")
    token_env = _env_name(value, "token_env", "X", sub) if "token_env" in value else None
    header = _string(value, "token_header", "Authorization", sub)
    if not HEADER_NAME.fullmatch(header):
        raise sub("token_header", "must be an HTTP header name, e.g. Authorization or Fastly-Key")
    json_key = _string(value, "json_key", "files", sub)
    return PurgeSettings(method, url, token_env, header, json_key)


def _choice(table: Mapping[str, object], key: str, default: str, allowed: tuple[str, ...],
            fail: Fail) -> str:
    value = table.get(key, default)
    if value not in allowed:
        raise fail(key, f"must be one of {', '.join(repr(a) for a in allowed)}")
    return str(value)


def _optional_string(table: Mapping[str, object], key: str, fail: Fail) -> str | None:
    return _string(table, key, "", fail).strip() if key in table else None


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
    if scheme == "s3":
        _check_bucket(parts.netloc, parts.port if parts.hostname else None, fail)
    return target.strip()


def _check_bucket(netloc: str, port: int | None, fail: Fail) -> None:
    """s3://bucket/prefix/: the bucket is the whole host part, exactly as S3 names it."""
    if "@" in netloc or port is not None:
        raise fail("target", "an s3:// target is s3://bucket/prefix/; the keys come from the "
                   "environment or a profile, the endpoint from upload.endpoint_url")
    if not BUCKET.fullmatch(netloc) or ".." in netloc:
        raise fail("target", f"{netloc!r} is not a valid bucket name (3-63 lower-case letters, "
                   "digits, dots and hyphens)")


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
