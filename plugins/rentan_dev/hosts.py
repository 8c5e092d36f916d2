"""Worker hosts on this machine: Linux network namespaces, each joined to the host by a veth pair.

A `Host` is a network namespace with its own address (10.<net>.<n>.2/24) on one end of a veth
pair whose other end (10.<net>.<n>.1) stays in the machine's own namespace, and a default
route through it. A process started in it (`Host.command`) shares the machine's files but
not its network: it reaches loopback services only if they listen on an address of the
machine (the first host's .1 is the stack's service address), exactly as a container on a
compose network reaches the broker, the API server and the warehouse by TCP. Root only
(`ip netns`, from iproute2). `remove` deletes the namespace and with it the veth pair.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Host:
    name: str  # the namespace
    address: str  # the host's own address inside the namespace
    gateway: str  # the machine's end of the veth pair

    def command(self, argv: list[str]) -> list[str]:
        """`argv` run inside this host's network namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def pids(self) -> list[int]:
        done = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True, check=False)
        return [int(p) for p in done.stdout.split()]

    def kill(self) -> list[int]:
        """SIGKILL every process in the namespace: the host dies, its TCP connections with it."""
        killed = []
        for _ in range(20):  # a process that forked meanwhile is caught next round
            left = self.pids()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    pass
        return killed


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def create(prefix: str, count: int, net: int = 231) -> list[Host]:
    """`count` hosts named <prefix>1..n, at 10.<net>.<n>.2, each behind its own veth pair."""
    hosts = []
    try:
        for n in range(1, count + 1):
            host = Host(f"{prefix}{n}", f"10.{net}.{n}.2", f"10.{net}.{n}.1")
            outside, inside = f"{prefix}{n}h", f"{prefix}{n}w"  # interface names: 15 characters at most
            _ip("netns", "add", host.name)
            hosts.append(host)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", host.name)
            _ip("addr", "add", f"{host.gateway}/24", "dev", outside)
            _ip("link", "set", outside, "up")
            _ip("-n", host.name, "addr", "add", f"{host.address}/24", "dev", inside)
            _ip("-n", host.name, "link", "set", inside, "up")
            _ip("-n", host.name, "link", "set", "lo", "up")
            _ip("-n", host.name, "route", "add", "default", "via", host.gateway)
    except BaseException:
        remove(hosts)
        raise
    return hosts


def remove(hosts: list[Host]) -> None:
    """Kill what still runs in each namespace and delete it (its veth pair goes with it)."""
    for host in hosts:
        host.kill()
        subprocess.run(["ip", "netns", "del", host.name], capture_output=True, check=False)


def hostname() -> str:
    """Airflow's `[core] hostname_callable` for workers started here: the host's own name, not the machine's.

    The namespaces share the machine's hostname; RENTAN_HOST_NAME tells Airflow (task instances'
    `hostname`) which worker host ran a try.
    """
    import socket

    return os.environ.get("RENTAN_HOST_NAME") or socket.getfqdn()
