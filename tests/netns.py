"""Hosts of their own on this machine: Linux network namespaces joined by a bridge.

:class:`Network` makes a bridge with an address of the root namespace (where the tests, PostgreSQL
and the S3 server run) and, per :meth:`Network.host`, a namespace with its own address, loopback
and a veth pair into the bridge. A process started in a namespace (:meth:`Host.popen`) sees only
that namespace's interfaces: it reaches the shared servers by the bridge's address, as a server on
another machine would, and nothing it listens on is reachable but through its own address. Needs
root (``ip netns``); :func:`netns_unavailable` says why not when it is not.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


def _ip(*arguments: str) -> None:
    done = subprocess.run(["ip", *arguments], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(arguments)}: {done.stderr.strip()}")


def netns_unavailable() -> str | None:
    """Why network namespaces cannot be made here, or ``None`` when they can."""
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root"
    name = f"rlprobe{secrets.token_hex(3)}"
    try:
        _ip("netns", "add", name)
    except RuntimeError as error:
        return str(error)
    _ip("netns", "del", name)
    return None


@dataclass
class Host:
    """A namespace with one address on the bridge."""

    namespace: str
    address: str

    def popen(self, argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        """Start ``argv`` in this host's namespace (``ip netns exec`` execs it: the pid is the process's)."""
        with log.open("ab") as sink:
            return subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, *argv], env=env, stdout=sink, stderr=subprocess.STDOUT
            )


@dataclass
class Network:
    """A bridge and the hosts on it; :meth:`close` removes them all."""

    tag: str = field(default_factory=lambda: secrets.token_hex(2))
    subnet: str = field(default_factory=lambda: f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250)}")
    hosts: list[Host] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bridge = f"rlbr{self.tag}"
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    @property
    def gateway(self) -> str:
        """The root namespace's address on the bridge (where the shared servers listen)."""
        return f"{self.subnet}.1"

    @property
    def cidr(self) -> str:
        return f"{self.subnet}.0/24"

    def host(self) -> Host:
        number = len(self.hosts) + 10
        namespace, outside, inside = f"rl{self.tag}h{number}", f"rl{self.tag}o{number}", f"rl{self.tag}i{number}"
        _ip("netns", "add", namespace)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        address = f"{self.subnet}.{number}"
        _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", inside)
        _ip("-n", namespace, "link", "set", inside, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        host = Host(namespace, address)
        self.hosts.append(host)
        return host

    def close(self) -> None:
        for host in self.hosts:
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, check=False)
