"""Which addresses the models a tenant configures may reach, enforced where connections are made.

A tenant configures its own model servers through the API (``POST /tenant/providers``), so
without a guard any API-key holder could make the server call its own loopback services,
the local network or the cloud's metadata endpoint, and read the answers out of errors.

The policy, for models configured by a tenant (server-wide ``[[models.remote]]`` are the
operator's own and are never guarded) — and, with settings of their own
(``agents.invoke_allow_private_urls``, ``agents.invoke_allowed_networks``), for the HTTP calls
of agents' Invoke components, whose URLs a DSL chooses:

* **Refused**: every address that is not public — unspecified (``0.0.0.0/8``, ``::``),
  loopback (``127.0.0.0/8``, ``::1``), private (``10/8``, ``172.16/12``, ``192.168/16``,
  ULA ``fc00::/7``), shared/CGNAT (``100.64/10``), link-local (``169.254/16``,
  ``fe80::/10``), IETF protocol assignments (``192.0.0/24``, ``2001::/23``),
  documentation, benchmarking, multicast and reserved ranges, and anything Python's
  :mod:`ipaddress` does not call global. That includes the cloud metadata addresses
  (:data:`METADATA_ADDRESSES`: ``169.254.169.254``, ``fd00:ec2::254``,
  ``100.100.100.200``, ...). An IPv6 address that carries an IPv4 one (mapped
  ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4
  ``2002::/16``) is judged by the IPv4 address it carries.
* **Checked at connect time, after DNS**: the guarded transport's backend
  (:class:`~ragloom.providers.guarded_transport.GuardedBackend`) resolves the host once,
  refuses it if *any* address it resolves to is refused, and opens the socket to one of
  those very addresses. A name that resolves to loopback, or DNS that answers differently
  between a check and the connect (rebinding), cannot get through; TLS still verifies the
  certificate against the name. Every new connection is checked, redirects are not
  followed, and a refused connection is never retried.
* **No proxies from the environment**: through ``HTTP(S)_PROXY``/``ALL_PROXY`` the check
  would see only the proxy, never the target, so tenant clients ignore those variables
  (and ``.netrc`` credentials) and connect directly.
* **Widened only by the operator**: ``models.tenant_allow_private_urls`` admits every
  refused address except the cloud metadata ones; ``models.tenant_allowed_networks``
  admits the networks it lists (metadata addresses too, if listed).

Saving a provider (:meth:`AddressPolicy.url_problem`) refuses what is wrong on its face —
a scheme other than http/https, credentials in the URL, a literal refused address — but
names are judged only when connecting, since what a name resolves to can change.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragloom.errors import ProviderError

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NOT_PUBLIC: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (CGNAT); Alibaba's metadata is 100.100.100.200
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local; most clouds' metadata is 169.254.169.254
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments; Oracle's metadata is 192.0.0.192
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",  # unspecified
        "::1/128",  # loopback
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (Teredo among them)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "fc00::/7",  # unique local (ULA); AWS's IPv6 metadata is fd00:ec2::254
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle, ...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.0.23",  # Tencent Cloud
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS over IPv6
    )
)
"""Refused even when ``tenant_allow_private_urls`` is on; only ``tenant_allowed_networks`` admits them."""

_CARRIES_IPV4 = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))  # compatible, NAT64


class AddressNotAllowedError(ProviderError):
    """A guarded client's host (a tenant-configured model's, an agent's HTTP call's) is, or
    resolves to, an address the policy refuses."""

    def __init__(self, host: str, purpose: str = "tenant-configured models") -> None:
        super().__init__(f"the address of {host} is not allowed for {purpose}")
        self.host = host


def carried(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 form carries (mapped, compatible, NAT64, 6to4), else ``address``."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _CARRIES_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` (already :func:`carried`) is an ordinary address on the internet."""
    if any(address in network for network in NOT_PUBLIC):
        return False
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class AddressPolicy:
    """What tenant-configured models may connect to (see the module docstring)."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    purpose: str = "tenant-configured models"
    """Whose connections these are, as refusals name them (agents' Invoke calls use the same policy)."""

    def allows(self, address: IPAddress) -> bool:
        """Whether a tenant-configured model may connect to ``address``."""
        judged = carried(address)
        if any(address in network or judged in network for network in self.allowed_networks):
            return True
        if judged in METADATA_ADDRESSES:
            return False
        return self.allow_private or is_public(judged)

    def url_problem(self, url: str, what: str | None = None) -> str | None:
        """Why a tenant may not save ``url`` as a model's ``base_url``, or ``None``.

        Only what the URL itself shows: scheme, credentials, a literal address (in any form
        the resolver reads as one, ``2130706433`` and ``0x7f.1`` included). Names are
        judged when connecting.
        """
        import httpx  # with the first URL: the server starts without an HTTP client

        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return "is not a valid URL"
        if parsed.scheme not in ("http", "https"):
            return "must start with http:// or https://"
        if not parsed.host:
            return "has no host"
        if parsed.userinfo:
            return "must not carry credentials (give the key as api_key)"
        address = _literal_address(parsed.host)
        if address is not None and not self.allows(address):
            return f"the address {parsed.host} is not allowed for {what or self.purpose}"
        return None

    def vet(self, host: str, addresses: Sequence[tuple[str, IPAddress]], what: str | None = None) -> None:
        """Raise :class:`AddressNotAllowedError` if any address ``host`` resolved to is refused."""
        refused = [text for text, address in addresses if not self.allows(address)]
        if refused:
            whose = what or self.purpose
            log.warning("Refused a connection for %s to %s (%s)", whose, host, ", ".join(refused))
            raise AddressNotAllowedError(host, whose)

    def transport(self, proxy: str | None = None) -> httpx.HTTPTransport:
        """An httpx transport whose every connection this policy vets (with ``proxy``, the
        connections to that proxy: what lies behind it is the proxy's network, not ours)."""
        from ragloom.providers.guarded_transport import GuardedTransport

        return GuardedTransport(self, proxy)


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # the legacy forms getaddrinfo also reads as IPv4: 2130706433, 0x7f.1, 127.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def resolve(host: str, port: int) -> Sequence[tuple[str, IPAddress]]:
    """Each distinct address ``host`` resolves to: as text to connect to, and parsed to vet
    (:class:`OSError` when it resolves to nothing)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    resolved: dict[str, IPAddress] = {}
    for _family, _type, _protocol, _name, socket_address in answers:
        text = str(socket_address[0])
        resolved[text] = ipaddress.ip_address(text.partition("%")[0])  # an IPv6 zone is not part of the address
    return list(resolved.items())
