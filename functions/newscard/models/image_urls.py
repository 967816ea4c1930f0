"""The rules an https:// image address must meet, in one place: validation and fetching both apply them.

`newscard validate`, the model and the fetcher call `check_image_url`, so an address that
validation accepts is never refused later for a reason validation could have seen (a port, a
literal private address, a malformed host). Only the allow-list and DNS are left to the fetcher.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): the last 32 bits are an IPv4 address.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
# IPv4-compatible IPv6 (::a.b.c.d, deprecated but still routed by some stacks).
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


# Names that always mean this machine or a private network (RFC 6761, RFC 8375, mDNS, cloud-internal).
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")


class ImageUrlRefused(ValueError):
    """The address breaks a fetch rule; the message is for an editor (a ValueError for pydantic)."""


@dataclass(frozen=True)
class ImageUrl:
    host: str  # lowercase, no trailing dot, IPv6 without brackets
    path: str  # path and query, as sent in the request line


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and can reach: mapped, compatible, NAT64, 6to4, Teredo."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in network for network in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        found.append(low32)
    return found


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for a global unicast address whose embedded IPv4 (if any) is global unicast too."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        return False
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        candidates += embedded_ipv4(ip)
    return all(candidate.is_global and not candidate.is_multicast for candidate in candidates)


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, also in the forms resolvers accept (2852039166, 0x7f.1)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(char in "0123456789abcdefx." for char in host) and host[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_image_url(url: str) -> ImageUrl:
    """Parse and check an https image address; raise ImageUrlRefused with an editor's message."""
    if any(char.isspace() for char in url):
        raise ImageUrlRefused("the image address may not contain spaces")
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError as error:
        # urlsplit's own words ("Port out of range 0-65535", "Invalid IPv6 URL") mean little to an editor.
        if "port" in str(error).lower():
            raise ImageUrlRefused("image addresses may not name a port (https uses 443)") from None
        raise ImageUrlRefused("the image address is malformed (check the host name)") from None
    if parts.scheme != "https":
        raise ImageUrlRefused("only https:// image addresses are fetched")
    if parts.username is not None or parts.password is not None:
        raise ImageUrlRefused("image addresses may not carry a user name or password")
    if port not in (None, 443) or parts.netloc.endswith(":"):
        raise ImageUrlRefused("image addresses may not name a port (https uses 443)")
    host = (hostname or "").lower().rstrip(".")
    if not host:
        raise ImageUrlRefused("the image address has no host")
    if "%" in host:
        raise ImageUrlRefused("the image address names a link-local interface")
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        raise ImageUrlRefused("the image address names a local host")
    address = literal_address(host)
    if address is not None and not is_public_address(address):
        raise ImageUrlRefused("the image address is a private, loopback, link-local or reserved address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ImageUrl(host=host, path=path)
