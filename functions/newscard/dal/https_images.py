"""Fetching article images over https from allow-listed hosts: no redirects, no private addresses."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable, Iterable

from newscard.models.errors import ImageRefused, NotFound, StorageError
from newscard.models.image_urls import ImageUrl, ImageUrlRefused, check_image_url, is_public_address

MAX_FETCH_BYTES = 20 * 1024 * 1024
Resolver = Callable[[str, int], list[str]]


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_public(addresses: Iterable[str]) -> str:
    """Return the first address if every one is public; refuse loopback, private, link-local and friends."""
    checked = list(addresses)
    if not checked:
        raise ImageRefused("the image host does not resolve")
    for address in checked:
        # Embedded IPv4 counts too: NAT64 (64:ff9b::/96), IPv4-mapped/compatible, 6to4 and Teredo.
        if not is_public_address(address):
            raise ImageRefused("the image host resolves to a private or reserved address")
    return checked[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address (no second lookup to rebind), verifying the host's certificate."""

    def __init__(
        self, host: str, address: str, *, port: int, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class HttpsImageFetcher:
    """GET an image from an allow-listed https host, pinned to a checked public address."""

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        resolver: Resolver = _system_resolver,
        timeout: float = 10.0,
        # Tests point these at a local TLS server; production keeps the defaults.
        address_check: Callable[[Iterable[str]], str] = check_public,
        ssl_context: ssl.SSLContext | None = None,
        port: int = 443,
    ) -> None:
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self.resolver = resolver
        self.timeout = timeout
        self.address_check = address_check
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.port = port

    def check_url(self, url: str) -> ImageUrl:
        """The rules validation applies (models.image_urls), then the allow-list."""
        try:
            checked = check_image_url(url)
        except ImageUrlRefused as error:
            raise ImageRefused(str(error)) from None
        if checked.host not in self.allowed_hosts:
            raise ImageRefused(f"the image host {checked.host} is not on the allow-list")
        return checked

    def fetch(self, url: str) -> bytes:
        checked = self.check_url(url)
        host, path = checked.host, checked.path
        try:
            address = self.address_check(self.resolver(host, self.port))
        except OSError as error:
            raise StorageError(f"cannot resolve {host}") from error
        connection = _PinnedHTTPSConnection(
            host, address, port=self.port, timeout=self.timeout, context=self.ssl_context
        )
        try:
            connection.request("GET", path, headers={"User-Agent": "newscard/1", "Accept": "image/*"})
            response = connection.getresponse()
            if 300 <= response.status < 400:
                raise ImageRefused("the image address redirects; redirects are not followed")
            if response.status == 404 or response.status == 410:
                raise NotFound(url)
            if response.status >= 500 or response.status == 429:
                raise StorageError(f"image host answered {response.status}")
            if response.status != 200:
                raise ImageRefused(f"the image host answered {response.status}")
            data = response.read(MAX_FETCH_BYTES + 1)
            if len(data) > MAX_FETCH_BYTES:
                raise ImageRefused("the image is over 20 MB")
            return data
        except ssl.SSLCertVerificationError:
            raise ImageRefused(f"the certificate of {host} is not valid") from None
        except (OSError, http.client.HTTPException) as error:
            raise StorageError(f"fetching from {host} failed: {type(error).__name__}") from error
        finally:
            connection.close()
