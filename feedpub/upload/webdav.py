"""WebDAV target (webdav://, webdavs://, and https:// with method = "PUT"), via requests.

A plain PUT onto the live name would let a reader fetch a half-written feed while
the body streams in (wsgidav and Apache write in place), so the bytes go to a
temporary sibling first and a MOVE with `Overwrite: T` swaps them in. Missing
folders (the target's, and a nested name's such as ``archive/rss-1.xml``) are created
with MKCOL, each once, when a PUT answers 404/409. Credentials come from the
environment (names set in [upload]) or, when those are unset, ~/.netrc, which
requests reads itself; they are passed as auth, never put into a URL, so no
message can show them. Sending them over plain http to another machine is allowed
(a NAS on the newsroom's network is common) but warned about on every run.

Two checks a status code alone cannot give:
- every request has a total deadline (``upload.deadline``), so a server that
  trickles its answer cannot hold the run and the lock;
- after the MOVE, the live file's size is read back (HEAD, or PROPFIND
  ``getcontentlength`` where HEAD says nothing) before the manifest records it: a
  server that answers 201 and stores nothing must not be believed forever.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from lxml import etree

from feedpub.deadline import DeadlineExceeded, deadline
from feedpub.notices import Notice
from feedpub.upload.base import FileMeta, PermanentError, TransientError, temp_name
from feedpub.upload.settings import UploadSettings

SCHEME_MAP = {"webdav": "http", "webdavs": "https", "http": "http", "https": "https"}
REASONS = {
    403: "forbidden (403): the account may not write to this folder",
    404: "not found (404)",
    405: "method not allowed (405): is this a WebDAV folder?",
    409: "conflict (409): a parent folder is missing",
    507: "insufficient storage (507)",
}
PROPFIND_SIZE = (b'<?xml version="1.0" encoding="utf-8"?>'
                 b'<propfind xmlns="DAV:"><prop><getcontentlength/></prop></propfind>')
# A PROPFIND answer is untrusted XML: no entities resolved, no network, no huge trees.
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class WebDavTarget:
    """PUT to a temp name, MOVE over the live name; one requests.Session for keep-alive."""

    def __init__(self, settings: UploadSettings):
        parts = urlsplit(settings.target)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        self.base = urlunsplit((SCHEME_MAP[settings.scheme], netloc, path, "", ""))
        self.display = settings.display_target
        self.timeout = settings.timeout
        self.deadline = settings.deadline
        self.session = requests.Session()
        self.session.auth = _auth(settings, parts.username)
        if settings.ca_bundle:
            self.session.verify = str(settings.ca_bundle)
        self._folders: set[str] = set()  # URL paths of folders known to exist
        self.notices: list[Notice] = []
        from_netrc = self.session.auth is None and bool(requests.utils.get_netrc_auth(self.base))
        self.credentials = _credentials_source(settings, parts.username, self.session.auth,
                                               from_netrc, host)
        if self.session.auth or from_netrc:
            self.notices.extend(_plain_http_warning(self.base, settings.display_target))

    def url(self, name: str) -> str:
        """The absolute URL of a file in the target folder."""
        return self.base + quote(name)

    def put_atomic(self, name: str, data: bytes, meta: FileMeta) -> None:
        """PUT the bytes to a temporary name, MOVE it over `name`, then check what the server holds."""
        tmp_url = self.url(temp_name(name))
        headers = {"Content-Type": meta.content_type, "Cache-Control": meta.cache_control}
        folders = self._folder_paths(name)
        response = self._request("PUT", tmp_url, data=data, headers=headers)
        if response.status_code in (404, 409) and folders[-1] not in self._folders:
            self._make_folders(folders)
            response = self._request("PUT", tmp_url, data=data, headers=headers)
        self._check(response, "PUT")
        self._folders.update(folders)  # the PUT landed: every folder above it exists
        moved = self._request("MOVE", tmp_url, headers={"Destination": self.url(name), "Overwrite": "T"})
        self._check(moved, "MOVE")
        self._verify(name, len(data), moved.status_code)

    def _verify(self, name: str, size: int, moved: int) -> None:
        """The live file must now exist with our size; a server that only says 201 is not enough."""
        stored = self._stored_size(self.url(name))
        if stored != size:
            found = "is not there" if stored is None else f"has {stored} bytes instead of {size}"
            raise TransientError(f"MOVE answered {moved} but the server's {name} {found}")

    def _stored_size(self, url: str) -> int | None:
        """The size the server reports for `url` (HEAD, else PROPFIND), or None if it has no such file."""
        head = self._request("HEAD", url)
        if head.status_code == 404:
            return None
        length = head.headers.get("Content-Length")
        if 200 <= head.status_code < 300 and length is not None and length.isdigit():
            return int(length)
        if head.status_code not in (200, 204, 405, 501):
            self._check(head, "HEAD")
        found = self._request("PROPFIND", url, data=PROPFIND_SIZE,
                              headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"})
        if found.status_code == 404:
            return None
        self._check(found, "PROPFIND")
        size = _content_length(found.content)
        if size is None:
            raise PermanentError("the server reports no size (no Content-Length on HEAD, no "
                                 "getcontentlength in PROPFIND), so the upload cannot be checked")
        return size

    def _folder_paths(self, name: str) -> list[str]:
        """The URL path of each folder from the top of the target down to ``name``'s own."""
        segments = [s for s in urlsplit(self.base).path.split("/") if s]
        segments += [quote(part) for part in PurePosixPath(name).parent.parts]
        return ["/" + "".join(f"{s}/" for s in segments[:n]) for n in range(len(segments) + 1)]

    def _make_folders(self, folders: list[str]) -> None:
        """MKCOL each folder not known to exist, from the top; 405 means it already exists."""
        parts = urlsplit(self.base)
        for path in folders[1:]:
            if path in self._folders:
                continue
            response = self._request("MKCOL", urlunsplit(parts._replace(path=path)))
            if response.status_code in (200, 201, 301, 405):
                self._folders.add(path)
                continue
            if response.status_code in (401, 403):
                self._check(response, "MKCOL")

    def _request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One HTTP request within the deadline; network trouble becomes a TransientError."""
        try:
            with deadline(self.deadline, what=method):
                response = self.session.request(
                    method, url, data=data, headers=headers, timeout=self.timeout, allow_redirects=False
                )
                response.content  # noqa: B018 - read the (small) body inside the deadline
        except DeadlineExceeded:
            raise TransientError(f"{method} got no complete answer within {self.deadline:g} s "
                                 "(upload.deadline)") from None
        except requests.Timeout:
            raise TransientError(f"{method} timed out after {self.timeout:g} s") from None
        except requests.exceptions.SSLError as exc:
            raise PermanentError(f"TLS error: {_first_line(exc)}") from None
        except requests.ConnectionError as exc:
            raise TransientError(f"{method} failed: {_connection_cause(exc)}") from None
        except requests.RequestException as exc:
            raise TransientError(f"{method} failed: {_first_line(exc)}") from None
        response.close()
        return response

    def _check(self, response: requests.Response, method: str) -> None:
        """2xx passes; 5xx is transient; anything else is an error retrying cannot fix."""
        code = response.status_code
        if 200 <= code < 300:
            return
        if code == 401:
            raise PermanentError(f"{method} authentication failed (401): {self.credentials}")
        reason = REASONS.get(code, f"HTTP {code} {response.reason or ''}".strip())
        if code >= 500 and code != 507:
            raise TransientError(f"{method} got HTTP {code} {response.reason or ''}".strip())
        raise PermanentError(f"{method} {reason}")

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()


def _auth(settings: UploadSettings, url_user: str | None) -> tuple[str, str] | None:
    """User and password from the environment; None lets requests fall back to ~/.netrc."""
    user = os.environ.get(settings.username_env) or url_user
    password = os.environ.get(settings.password_env)
    if user and password is not None:
        return (user, password)
    return None


def _credentials_source(settings: UploadSettings, url_user: str | None,
                        auth: tuple[str, str] | None, from_netrc: bool, host: str) -> str:
    """What a 401 should tell: which variables (or which netrc) the credentials came from.

    Names only, never values. A cron job or a systemd unit has its own environment,
    so "the variables are not set" is the usual cause of a 401 that works by hand.
    """
    user_env, password_env = f"${settings.username_env}", f"${settings.password_env}"
    netrc = os.environ.get("NETRC") or "~/.netrc"
    if auth is not None:
        user = f"{user_env}" if os.environ.get(settings.username_env) else "the target URL"
        return (f"the server refused the user name from {user} and the password from "
                f"{password_env} (upload.username_env, upload.password_env); check both")
    if from_netrc:
        return (f"the server refused the login and password of {netrc} for machine {host} "
                f"({password_env} is not set, so {netrc} was used); check that entry")
    unset = [name for name, value in ((user_env, os.environ.get(settings.username_env) or url_user),
                                      (password_env, os.environ.get(settings.password_env)))
             if not value]
    return (f"no credentials were sent: {' and '.join(unset)} "
            f"{'is' if len(unset) == 1 else 'are'} not set and {netrc} has no entry for "
            f"machine {host}; set them in the environment of the run (for cron or systemd, "
            "see docs/cron.md) or name other variables with upload.username_env and "
            "upload.password_env")


def _plain_http_warning(base: str, display: str) -> list[Notice]:
    """One warning when a password would cross the network unencrypted (http to another host)."""
    parts = urlsplit(base)
    if parts.scheme != "http" or _is_loopback(parts.hostname or ""):
        return []
    return [Notice(display, "the WebDAV password is sent over plain http, readable by anyone "
                   "on the way; use webdavs:// (https)")]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _content_length(body: bytes) -> int | None:
    """getcontentlength from a PROPFIND answer (any namespace prefix), or None."""
    try:
        root = etree.fromstring(body, SAFE_XML)
    except etree.XMLSyntaxError:
        return None
    for element in root.iter("{DAV:}getcontentlength"):
        text = (element.text or "").strip()
        if text.isdigit():
            return int(text)
    return None


def _connection_cause(exc: requests.ConnectionError) -> str:
    """A short cause for a connection failure (refused, reset, name unknown)."""
    text = str(exc)
    for needle, cause in (
        ("Connection refused", "connection refused"),
        ("Connection reset", "connection reset"),
        ("RemoteDisconnected", "connection closed by the server"),
        ("BrokenPipe", "connection closed by the server"),
        ("Broken pipe", "connection closed by the server"),
        ("Name or service not known", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("timed out", "timed out"),
    ):
        if needle in text:
            return cause
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    """Keep messages to one line, whatever the library put in them."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def open_target(settings: UploadSettings) -> WebDavTarget:
    """Factory used by the registry in feedpub.upload."""
    return WebDavTarget(settings)
