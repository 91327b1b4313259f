"""The address policy of tenant-configured models, and its enforcement when connecting.

Connections go to real HTTP servers on loopback addresses; only DNS is faked, at the edge
(``socket.getaddrinfo`` answers for made-up names), to play a name that resolves to
loopback and one whose answer changes between two lookups (rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ragloom.providers.address_guard import METADATA_ADDRESSES, AddressNotAllowedError, AddressPolicy
from ragloom.providers.http import provider_client
from ragloom.settings import RemoteModel

DENY = AddressPolicy()

REFUSED = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.1.1",
    "100.64.0.1",
    "100.100.100.200",
    "192.0.0.192",
    "192.0.2.1",
    "198.18.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "::10.0.0.1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "151.101.1.69", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not DENY.allows(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert DENY.allows(ipaddress.ip_address(address))


def test_the_operator_may_allow_private_addresses_but_not_the_metadata_ones() -> None:
    private = AddressPolicy(allow_private=True)
    for address in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "::1", "fe80::1", "::ffff:127.0.0.1", "8.8.8.8"):
        assert private.allows(ipaddress.ip_address(address)), address
    for metadata in (*METADATA_ADDRESSES, ipaddress.ip_address("::ffff:169.254.169.254")):
        assert not private.allows(metadata), metadata


def test_the_operator_may_allow_chosen_networks() -> None:
    listed = AddressPolicy(allowed_networks=(ipaddress.ip_network("10.8.0.0/16"), ipaddress.ip_network("fd00::/8")))
    assert listed.allows(ipaddress.ip_address("10.8.3.4"))
    assert listed.allows(ipaddress.ip_address("::ffff:10.8.3.4"))
    assert listed.allows(ipaddress.ip_address("fd00:ec2::254"))  # listed explicitly, metadata included
    assert not listed.allows(ipaddress.ip_address("10.9.0.1"))
    assert not listed.allows(ipaddress.ip_address("127.0.0.1"))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://models.example.com/v1", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("gopher://127.0.0.1:6379/_INFO", "must start with http:// or https://"),
        ("models.example.com/v1", "must start with http:// or https://"),
        ("http://user:secret@models.example.com/v1", "must not carry credentials (give the key as api_key)"),
        ("http://", "has no host"),
        ("http://[::1/", "is not a valid URL"),
        ("http://127.0.0.1:11434", "the address 127.0.0.1 is not allowed for tenant-configured models"),
        ("http://10.0.0.7/v1", "the address 10.0.0.7 is not allowed for tenant-configured models"),
        ("http://169.254.169.254/latest/meta-data", "the address 169.254.169.254 is not allowed"),
        ("http://[::1]:8000/v1", "the address ::1 is not allowed"),
        ("http://[::ffff:127.0.0.1]/", "the address ::ffff:127.0.0.1 is not allowed"),
        ("http://[fd00:ec2::254]/", "the address fd00:ec2::254 is not allowed"),
        ("http://2130706433/", "the address 2130706433 is not allowed"),  # 127.0.0.1 as one number
        ("http://0x7f.1/", "the address 0x7f.1 is not allowed"),
        ("http://127.1:8000/", "the address 127.1 is not allowed"),
        ("http://0/", "the address 0 is not allowed"),
    ],
)
def test_urls_wrong_on_their_face_are_refused(url: str, problem: str) -> None:
    found = DENY.url_problem(url)
    assert found is not None
    assert found.startswith(problem)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1",
        "http://8.8.8.8:8000/v1",
        "https://[2606:4700:4700::1111]/v1",
        "http://localhost:11434",  # a name: judged when connecting
        "http://models.internal.example:8000/v1",
    ],
)
def test_urls_whose_address_is_not_known_to_be_refused_may_be_saved(url: str) -> None:
    assert DENY.url_problem(url) is None


def test_private_literals_may_be_saved_when_the_operator_allows_them() -> None:
    assert AddressPolicy(allow_private=True).url_problem("http://127.0.0.1:11434") is None
    assert AddressPolicy(allow_private=True).url_problem("http://169.254.169.254/") is not None


# ---- at connect time ----------------------------------------------------------------------------


class Recorder:
    """A real HTTP server on ``host`` answering ``name`` to every request, and counting them."""

    def __init__(self, host: str, port: int = 0, name: str = "") -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                recorder.paths.append(self.path)
                body = name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.port = int(self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def internal() -> Iterator[Recorder]:
    """What an attacker wants to reach: a service on 127.0.0.1."""
    server = Recorder("127.0.0.1", name="internal")
    yield server
    server.close()


Resolver = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[list[str]]]:
    """Names under ``.test`` resolve to the next list of addresses scripted for them; others as usual."""
    scripted: dict[str, list[list[str]]] = {}
    real: Resolver = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if not host.endswith(".test"):
            return real(host, port, *args, **kwargs)
        answers = scripted[host]
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return scripted


def guarded(policy: AddressPolicy = DENY) -> httpx.Client:
    return httpx.Client(transport=policy.transport(), trust_env=False, timeout=5)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_loopback_is_refused_before_connecting(internal: Recorder, host: str) -> None:
    with guarded() as client, pytest.raises(AddressNotAllowedError) as refused:
        client.get(f"http://{host}:{internal.port}/admin")
    assert refused.value.message == f"the address of {host.strip('[]')} is not allowed for tenant-configured models"
    assert internal.paths == []


def test_a_name_resolving_to_loopback_is_refused(internal: Recorder, fake_dns: dict[str, list[list[str]]]) -> None:
    fake_dns["innocent.test"] = [["127.0.0.1"]]
    with guarded() as client, pytest.raises(AddressNotAllowedError, match="innocent.test"):
        client.get(f"http://innocent.test:{internal.port}/")
    assert internal.paths == []


def test_a_name_with_one_refused_address_among_public_ones_is_refused(
    internal: Recorder, fake_dns: dict[str, list[list[str]]]
) -> None:
    fake_dns["mixed.test"] = [["8.8.8.8", "127.0.0.1"]]
    with guarded() as client, pytest.raises(AddressNotAllowedError):
        client.get(f"http://mixed.test:{internal.port}/")
    assert internal.paths == []


def test_dns_rebinding_cannot_redirect_a_vetted_connection(
    internal: Recorder, fake_dns: dict[str, list[list[str]]]
) -> None:
    """The name first resolves to an allowed address (127.0.0.2 stands in for a public one),
    every later lookup to 127.0.0.1. The connection goes to the address that was vetted —
    nothing resolves the name again between the check and the connect — and the next
    connection, which sees the rebound answer, is refused."""
    public = Recorder("127.0.0.2", internal.port, name="public")  # same port: a second lookup would land inside
    try:
        fake_dns["rebind.test"] = [["127.0.0.2"], ["127.0.0.1"]]
        policy = AddressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),))
        with guarded(policy) as client:
            assert client.get(f"http://rebind.test:{internal.port}/first").text == "public"
        with guarded(policy) as client, pytest.raises(AddressNotAllowedError):
            client.get(f"http://rebind.test:{internal.port}/second")
        assert public.paths == ["/first"]
        assert internal.paths == []
    finally:
        public.close()


def test_an_allowed_address_is_reached(internal: Recorder) -> None:
    with guarded(AddressPolicy(allow_private=True)) as client:
        assert client.get(f"http://localhost:{internal.port}/ok").text == "internal"
    assert internal.paths == ["/ok"]


def test_an_unknown_name_is_a_connect_error() -> None:
    with guarded() as client, pytest.raises(httpx.ConnectError):
        client.get("http://no-such-host.invalid/")


def test_environment_proxies_are_ignored(internal: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a proxy the check would see the proxy, not the target: tenant clients never use one."""
    proxy = Recorder("127.0.0.1", name="proxy")
    try:
        for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        remote = RemoteModel(name="m", factory="VLLM", base_url=f"http://127.0.0.1:{internal.port}")
        with provider_client(remote, AddressPolicy(allow_private=True)) as client:
            assert client.get(f"http://127.0.0.1:{internal.port}/direct").text == "internal"
        assert proxy.paths == []
    finally:
        proxy.close()
