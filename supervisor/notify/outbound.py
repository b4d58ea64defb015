"""Where notifications may be sent: public addresses, and non-public ones (loopback,
link-local, private, reserved...) only inside SUNLIGHT_OUTBOUND_ALLOW.

Checked twice: when a contact point is added (its URL's host, when it is an address or
`localhost`: a 422 naming `address`), and before every attempt, after resolving the host name
(a name that resolves to a forbidden address is a failed attempt, recorded and retried like any
other). Redirects are never followed (httpx's default), so a public host cannot bounce a
request inward. A name could still resolve differently between the check and the connection
(DNS rebinding within a second); allow-list only what you mean.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from approval_core.errors import InvalidInput
from approval_core.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
URL_CHANNELS = ("webhook", "wecom", "dingtalk", "alertmanager")
_LOCALHOST = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


def resolve(host: str) -> list[str]:
    """Every address the name resolves to (the system resolver, as the HTTP client uses)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _kind(ip: Address) -> str:
    for name in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    return "not public"


@dataclass(frozen=True)
class OutboundPolicy:
    allowed: tuple[Network, ...] = ()
    resolver: Callable[[str], Sequence[str]] = field(default=resolve, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundPolicy:
        nets = (ipaddress.ip_network(n, strict=False) for n in settings.outbound_allow)
        return cls(tuple(nets))

    def problem(self, ip: Address) -> str | None:
        """Why this address is refused (None: allowed)."""
        if any(ip in net for net in self.allowed):
            return None
        if ip.is_global and not ip.is_multicast:
            return None
        return f"{ip} is {_kind(ip)} and not in SUNLIGHT_OUTBOUND_ALLOW"

    def check_new(self, channel: str, address: str) -> None:
        """At add time: the URL's form, and its host when that is an address or localhost."""
        if channel not in URL_CHANNELS:
            if channel == "email" and (address.count("@") != 1 or " " in address):
                raise _invalid("an e-mail address is name@domain", "电子邮件地址格式应为 名称@域名")
            return
        host = url_host(address)
        if host is None:
            raise _invalid("address must be an http(s) URL with a host", "地址须为 http(s) 网址")
        for ip in _literal(host):
            reason = self.problem(ip)
            if reason:
                raise _invalid(f"address refused: {reason}", f"地址不允许：{reason}")

    def check_send(self, host: str) -> str | None:
        """Before an attempt: why the host (resolved now) is refused, or None."""
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(host)]
        except (OSError, ValueError) as exc:
            return f"cannot resolve {host}: {exc}"
        for ip in addresses:
            reason = self.problem(ip)
            if reason:
                return f"destination refused: {host} resolves to {reason}"
        return None


def url_host(address: str) -> str | None:
    parsed = urllib.parse.urlsplit(address)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    return parsed.hostname


def _literal(host: str) -> tuple[Address, ...]:
    """The addresses a host names without asking DNS: an IP literal, or localhost."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return _LOCALHOST
    try:
        return (ipaddress.ip_address(name),)
    except ValueError:
        return ()


def _invalid(detail: str, detail_zh: str) -> InvalidInput:
    return InvalidInput(detail, detail_zh=detail_zh, field="address")
