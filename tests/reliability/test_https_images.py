"""Fetching images over https: only allow-listed hosts, public addresses, no redirects, bounded size.

A real TLS server on 127.0.0.1 stands in for the image host (its certificate is made here), with
a resolver that maps the allowed name to it; the public-address policy is tested on its own.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newscard.dal.https_images import HttpsImageFetcher, check_public
from newscard.models.errors import ImageRefused, NotFound, StorageError
from tests.conftest import jpeg_bytes

HOST = "images.example.test"
IMAGE = jpeg_bytes((64, 48))


class ImageHost(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes: dict[str, tuple[int, dict[str, str], bytes]] = {
            "/photo.jpg": (200, {"Content-Type": "image/jpeg"}, IMAGE),
            "/moved.jpg": (302, {"Location": "https://169.254.169.254/latest/meta-data/"}, b""),
            "/huge.jpg": (200, {"Content-Type": "image/jpeg"}, b"\xff" * (20 * 1024 * 1024 + 10)),
            "/broken.jpg": (503, {}, b"try later"),
        }
        status, headers, body = routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def make_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def image_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    cert, key = make_certificate(tmp_path_factory.mktemp("tls"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImageHost)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert
    server.shutdown()


def local_fetcher(image_host: tuple[int, Path], hosts: tuple[str, ...] = (HOST,)) -> HttpsImageFetcher:
    port, cert = image_host
    return HttpsImageFetcher(
        hosts,
        resolver=lambda host, _port: ["127.0.0.1"],
        address_check=lambda addresses: next(iter(addresses)),  # loopback stands in for a public host
        ssl_context=ssl.create_default_context(cafile=str(cert)),
        port=port,
    )


@pytest.mark.enable_socket
def test_an_allow_listed_image_is_fetched_over_verified_tls(image_host: tuple[int, Path]) -> None:
    assert local_fetcher(image_host).fetch(f"https://{HOST}/photo.jpg") == IMAGE


@pytest.mark.enable_socket
def test_redirects_are_refused_not_followed(image_host: tuple[int, Path]) -> None:
    with pytest.raises(ImageRefused, match="redirects are not followed"):
        local_fetcher(image_host).fetch(f"https://{HOST}/moved.jpg")


@pytest.mark.enable_socket
def test_bodies_over_20_mb_are_refused(image_host: tuple[int, Path]) -> None:
    with pytest.raises(ImageRefused, match="over 20 MB"):
        local_fetcher(image_host).fetch(f"https://{HOST}/huge.jpg")


@pytest.mark.enable_socket
def test_a_5xx_is_retryable_and_a_404_is_not_found(image_host: tuple[int, Path]) -> None:
    with pytest.raises(StorageError):
        local_fetcher(image_host).fetch(f"https://{HOST}/broken.jpg")
    with pytest.raises(NotFound):
        local_fetcher(image_host).fetch(f"https://{HOST}/missing.jpg")


@pytest.mark.enable_socket
def test_an_untrusted_certificate_is_refused(image_host: tuple[int, Path]) -> None:
    port, _ = image_host
    fetcher = HttpsImageFetcher(
        [HOST], resolver=lambda h, p: ["127.0.0.1"], address_check=lambda a: next(iter(a)), port=port
    )
    with pytest.raises(ImageRefused, match="certificate"):
        fetcher.fetch(f"https://{HOST}/photo.jpg")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://images.example.test/photo.jpg", "only https://"),
        ("ftp://images.example.test/photo.jpg", "only https://"),
        ("file:///etc/passwd", "only https://"),
        ("data:image/png;base64,AAAA", "only https://"),
        ("https://evil.example/photo.jpg", "not on the allow-list"),
        ("https://images.example.test.evil.example/photo.jpg", "not on the allow-list"),
        ("https://user:pass@images.example.test/photo.jpg", "user name or password"),
        ("https://images.example.test:8443/photo.jpg", "may not name a port"),
        ("https://images.example.test:99999/photo.jpg", "may not name a port"),
        ("https://[::1/photo.jpg", "malformed"),
        ("https://169.254.169.254/latest/meta-data/", "private, loopback"),
        ("https://[64:ff9b::a9fe:a9fe]/photo.jpg", "private, loopback"),
    ],
)
def test_urls_off_policy_are_refused_before_any_lookup(url: str, fragment: str) -> None:
    def no_lookup(host: str, port: int) -> list[str]:
        raise AssertionError("must not resolve")

    with pytest.raises(ImageRefused, match=fragment):
        HttpsImageFetcher([HOST], resolver=no_lookup).fetch(url)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        # IPv6 forms that carry a private IPv4 address: NAT64, IPv4-compatible, 6to4, Teredo
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::10.0.0.1",
        "::169.254.169.254",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address: str) -> None:
    with pytest.raises(ImageRefused, match="private or reserved"):
        check_public([str(ipaddress.ip_address(address))])
    fetcher = HttpsImageFetcher([HOST], resolver=lambda h, p: ["93.184.216.34", address])
    with pytest.raises(ImageRefused, match="private or reserved"):
        fetcher.fetch(f"https://{HOST}/photo.jpg")  # one bad address among good ones is enough


def test_public_addresses_pass_the_policy() -> None:
    assert check_public(["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]) == "93.184.216.34"
