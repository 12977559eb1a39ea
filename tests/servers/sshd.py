"""A throwaway OpenSSH sshd on 127.0.0.1 with its own host key, user key and known_hosts.

Nothing of the machine's SSH setup is used or changed (besides creating /run/sshd,
the privilege separation folder sshd insists on). Two ports: the first allows full
SFTP, the second forces `internal-sftp -R` (read-only) to test "permission denied"
even when the tests run as root, who ignores file modes.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "feedpub-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )


@dataclass
class Sshd:
    """A running sshd; `known_hosts` lists its key for both ports, `identity` may log in."""

    dir: Path
    port: int
    ro_port: int
    user: str
    identity: Path
    other_identity: Path
    known_hosts: Path
    process: subprocess.Popen

    def url(self, folder: Path, *, port: int | None = None) -> str:
        return f"sftp://{self.user}@127.0.0.1:{port or self.port}{folder}"

    def known_hosts_for(self, port: int, path: Path) -> Path:
        """A known_hosts file listing this server's key under another port (e.g. a proxy's)."""
        key = self.known_hosts.read_text().splitlines()[0].split(" ", 1)[1]
        path.write_text(f"[127.0.0.1]:{port} {key}\n")
        return path

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop, and kill it if it has not within five seconds."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_sshd(workdir: Path) -> Sshd:
    """Generate keys and config in `workdir`, start `sshd -D -e`, wait until it answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o700)
    host_key, identity, other = workdir / "host_key", workdir / "id_user", workdir / "id_other"
    for key in (host_key, identity, other):
        keygen(key)
    (workdir / "authorized_keys").write_text(Path(f"{identity}.pub").read_text())
    port, ro_port = free_port(), free_port()
    host_pub = " ".join(Path(f"{host_key}.pub").read_text().split()[:2])
    known_hosts = workdir / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_pub}\n[127.0.0.1]:{ro_port} {host_pub}\n")
    config = workdir / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                f"Port {ro_port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {workdir / 'sshd.pid'}",
                f"AuthorizedKeysFile {workdir / 'authorized_keys'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                "LogLevel ERROR",
                "Subsystem sftp internal-sftp",
                f"Match LocalPort {ro_port}",
                "    ForceCommand internal-sftp -R",
                "",
            ]
        )
    )
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "sshd.log", "wb"),  # noqa: SIM115 - lives as long as sshd
    )
    _wait_for_banner(port, process, workdir / "sshd.log")
    return Sshd(workdir, port, ro_port, getpass.getuser(), identity, other, known_hosts, process)


def _wait_for_banner(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text(errors='replace')[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("sshd did not answer within 10 s")
