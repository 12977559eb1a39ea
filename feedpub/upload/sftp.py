"""SFTP target via paramiko: temp file, then the OpenSSH atomic rename extension.

Plain SFTP RENAME fails when the destination exists, and delete-then-rename leaves a
moment with no feed at all, so the swap uses `posix-rename@openssh.com`, which maps
to rename(2) on the server. Host keys must already be in known_hosts (RejectPolicy):
trusting an unknown key on first use would hand the web root to whoever answers.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import socket
import stat
from pathlib import Path, PurePosixPath
from typing import TypedDict
from urllib.parse import unquote, urlsplit

import paramiko

from feedpub.deadline import DeadlineExceeded, deadline
from feedpub.notices import Notice
from feedpub.upload.base import FileMeta, PermanentError, TransientError, temp_name
from feedpub.upload.settings import UploadSettings

PERMISSION_CODES = (errno.EACCES, errno.EPERM, errno.EROFS)


class _DeadTransport:
    """Stands in for a transport that is already gone."""

    @staticmethod
    def is_active() -> bool:
        return False


_DEAD = _DeadTransport()


class _ConnectArgs(TypedDict):
    """The keyword arguments SftpTarget passes to paramiko.SSHClient.connect."""

    hostname: str
    port: int
    username: str | None
    key_filename: str | None
    passphrase: str | None
    allow_agent: bool
    look_for_keys: bool
    timeout: float
    banner_timeout: float
    auth_timeout: float


class SftpTarget:
    """One SSH connection, opened lazily and dropped after any transient failure."""

    def __init__(self, settings: UploadSettings):
        parts = urlsplit(settings.target)
        self.settings = settings
        self.display = settings.display_target
        self.host = parts.hostname or ""
        self.port = parts.port or 22
        self.user = parts.username or os.environ.get(settings.username_env) or None
        self.folder = _remote_folder(unquote(parts.path))
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._folders: set[str] = set()  # remote folders known to exist on this connection
        self.notices: list[Notice] = []

    def put_atomic(self, name: str, data: bytes, meta: FileMeta) -> None:
        """Connect if needed, then send one file, all within ``upload.deadline``.

        SFTP carries no headers: `meta` is the web server's business (docs/upload.md).
        A missed deadline drops the connection, whose state is unknown, so a retry
        starts afresh.
        """
        try:
            with deadline(self.settings.deadline, what=f"sending {name}"):
                self._put(name, data)
        except DeadlineExceeded:
            self._drop()
            raise TransientError(f"no progress to the end within {self.settings.deadline:g} s "
                                 "(upload.deadline)") from None

    def _put(self, name: str, data: bytes) -> None:
        """Write the temp file, check its size, chmod 644, then posix-rename it over `name`."""
        sftp = self._connect()
        tmp = self._path(temp_name(name))
        try:
            self._ensure_folders(sftp, name)
            sftp.putfo(io.BytesIO(data), tmp, file_size=len(data), confirm=True)
            sftp.chmod(tmp, 0o644)
            sftp.posix_rename(tmp, self._path(name))
        except PermissionError as exc:
            raise PermanentError(f"permission denied on the server ({exc.filename or tmp})") from None
        except OSError as exc:
            raise self._classify(exc, tmp) from None
        except (paramiko.SSHException, EOFError) as exc:
            self._drop()
            raise TransientError(f"connection lost: {_one_line(exc)}") from None

    def _classify(self, exc: OSError, path: str) -> Exception:
        """Network trouble is transient (and drops the connection); an SFTP status is not."""
        if exc.errno in PERMISSION_CODES:
            return PermanentError(f"permission denied on the server ({path})")
        if isinstance(exc, FileNotFoundError):
            return PermanentError(f"no such file or folder on the server ({path})")
        alive = self._client is not None and (self._client.get_transport() or _DEAD).is_active()
        if not alive or isinstance(exc, (TimeoutError, ConnectionError)) or exc.errno is not None:
            self._drop()
            return TransientError(f"connection lost: {_one_line(exc)}")
        return PermanentError(f"server refused ({path}): {_one_line(exc)}")

    def _path(self, name: str) -> str:
        return f"{self.folder}/{name}" if self.folder else name

    def _ensure_folders(self, sftp: paramiko.SFTPClient, name: str) -> None:
        """Create the missing folders of the target path and of a nested ``name``
        (``archive/rss-1.xml``), each checked once per connection."""
        current = "/" if self.folder.startswith("/") else ""
        segments = [s for s in self.folder.split("/") if s] if self.folder else []
        for segment in [*segments, *PurePosixPath(name).parent.parts]:
            current = f"{current}{segment}" if current in ("", "/") else f"{current}/{segment}"
            if current in self._folders:
                continue
            try:
                if not stat.S_ISDIR(sftp.stat(current).st_mode or 0):
                    raise PermanentError(f"{current} exists on the server but is not a folder")
            except FileNotFoundError:
                sftp.mkdir(current, 0o755)
            self._folders.add(current)

    def _connect(self) -> paramiko.SFTPClient:
        """Open SSH + SFTP, checking the host key against known_hosts; classify failures."""
        if self._sftp is not None:
            return self._sftp
        client = paramiko.SSHClient()
        try:
            _load_host_keys(client, self.settings.known_hosts)
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
            client.connect(**self._connect_args())
            self._sftp = client.open_sftp()
        except paramiko.BadHostKeyException:
            client.close()
            raise PermanentError(
                f"host key of {self._host_label()} does not match known_hosts "
                "(possible man-in-the-middle; check with the host's admin)"
            ) from None
        except paramiko.AuthenticationException:
            client.close()
            raise PermanentError(
                f"SSH authentication failed for user {self.user or '(default)'}: tried "
                f"{self._tried()}; check them and the server's authorized_keys"
            ) from None
        except paramiko.SSHException as exc:
            client.close()
            if "known_hosts" in str(exc) or "not found in known" in str(exc):
                raise PermanentError(
                    f"unknown host key for {self._host_label()}: add it to known_hosts first "
                    f"(ssh-keyscan -p {self.port} {self.host} after checking its fingerprint)"
                ) from None
            raise TransientError(f"SSH failed: {_one_line(exc)}") from None
        except (OSError, EOFError) as exc:
            client.close()
            if isinstance(exc, (ConnectionRefusedError, paramiko.ssh_exception.NoValidConnectionsError)):
                raise TransientError(f"connection refused by {self._host_label()}") from None
            if isinstance(exc, socket.gaierror):
                raise PermanentError(f"host name not found: {self.host}") from None
            raise TransientError(f"cannot connect to {self._host_label()}: {_one_line(exc)}") from None
        self._client = client
        return self._sftp

    def _connect_args(self) -> _ConnectArgs:
        """Key file if configured, else the agent and the usual ~/.ssh keys."""
        identity = self.settings.identity_file
        return {
            "hostname": self.host,
            "port": self.port,
            "username": self.user,
            "key_filename": str(identity) if identity else None,
            "passphrase": os.environ.get(self.settings.passphrase_env),
            "allow_agent": True,
            "look_for_keys": identity is None,
            "timeout": self.settings.timeout,
            "banner_timeout": self.settings.timeout,
            "auth_timeout": self.settings.timeout,
        }

    def _tried(self) -> str:
        """What authentication read, by name (never a value): a cron job often lacks the
        agent's $SSH_AUTH_SOCK or the passphrase variable that a login shell has."""
        identity = self.settings.identity_file
        keys = f"the key {identity} (upload.identity_file)" if identity else "the keys in ~/.ssh"
        agent = "the SSH agent ($SSH_AUTH_SOCK)" if os.environ.get("SSH_AUTH_SOCK") else \
            "no SSH agent ($SSH_AUTH_SOCK is not set)"
        passphrase = f"${self.settings.passphrase_env}"
        phrase = f"with the passphrase in {passphrase}" if os.environ.get(
            self.settings.passphrase_env) else f"without a passphrase ({passphrase} is not set)"
        return f"{keys} {phrase}, and {agent}"

    def _host_label(self) -> str:
        return f"{self.host}:{self.port}"

    def _drop(self) -> None:
        """Forget a broken connection so the next attempt opens a fresh one."""
        self.close()

    def close(self) -> None:
        """Close SFTP and SSH; safe to call more than once."""
        for closable in (self._sftp, self._client):
            if closable is not None:
                with contextlib.suppress(Exception):  # a dead connection may fail to close
                    closable.close()
        self._sftp = self._client = None
        self._folders.clear()


def _remote_folder(path: str) -> str:
    """URL path → remote folder: `/srv/www` is absolute, `/~/feeds` is relative to home."""
    if path.startswith("/~/") or path == "/~":
        return path[3:].rstrip("/")
    return path.rstrip("/") or "/"


def _load_host_keys(client: paramiko.SSHClient, known_hosts: Path | None) -> None:
    """The configured known_hosts file, else the user's ~/.ssh/known_hosts and the system's."""
    if known_hosts is not None:
        try:
            client.load_host_keys(str(known_hosts))
        except OSError as exc:
            raise PermanentError(f"cannot read known_hosts {known_hosts}: {exc.strerror}") from None
        return
    client.load_system_host_keys()
    system = Path("/etc/ssh/ssh_known_hosts")
    if system.is_file():
        client.load_system_host_keys(str(system))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def open_target(settings: UploadSettings) -> SftpTarget:
    """Factory used by the registry in feedpub.upload."""
    return SftpTarget(settings)
