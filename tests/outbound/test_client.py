"""The outbound seam over real sockets: a deadline for the whole exchange, no
redirects, the checked address and nothing else, TLS verified."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hushpost.outbound import addresses
from hushpost.outbound.client import request
from hushpost.outbound.errors import AddressNotFound, AddressRefused, RequestFailed
from tests.conftest import free_port

OPEN = {"allow_private": True, "require_https": False}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.path, dict(self.headers), body))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/trickle":
            # Headers at once, then a byte now and then: each read is quick, the whole is not.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                if self.server.stopping.wait(0.3):
                    return
            return
        data = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve(httpd) -> None:
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()


@pytest.fixture
def server():
    seen: list = []
    handler = type("H", (Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    httpd.daemon_threads = True
    httpd.stopping = threading.Event()
    serve(httpd)
    httpd.seen = seen
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()


def url(server, path: str, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{server.server_address[1]}{path}"


def test_it_posts_and_reads_the_answer(server):
    answer = request("POST", url(server, "/in"), body=b"{}", headers={"X-Test": "1"}, **OPEN)
    assert answer.status == 200 and answer.body == b'{"ok": true}'
    [(path, headers, body)] = server.seen
    assert (path, body, headers["X-Test"], headers["User-Agent"]) == ("/in", b"{}", "1", "Hushpost")


def test_a_redirect_is_an_answer_not_a_second_request(server):
    answer = request("POST", url(server, "/redirect"), **OPEN)
    assert answer.status == 302
    assert [path for path, _, _ in server.seen] == ["/redirect"]


def test_a_trickling_answer_is_cut_at_the_deadline(server):
    started = time.monotonic()
    with pytest.raises(RequestFailed, match="no complete answer within 1 s"):
        request("POST", url(server, "/trickle"), timeout=1.0, max_body=10_000, **OPEN)
    assert time.monotonic() - started < 2.5


def test_a_silent_server_is_given_up_at_the_deadline():
    # Accepts the connection (the kernel's backlog) and never answers.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        started = time.monotonic()
        with pytest.raises(RequestFailed, match="within 1 s"):
            request("POST", f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=1.0, **OPEN)
    assert time.monotonic() - started < 2.5


def test_a_resolver_that_never_answers_is_given_up_at_the_deadline(server, monkeypatch):
    stuck = threading.Event()

    def hanging(host, *args, **kwargs):
        stuck.wait(30)  # released when the test ends
        raise socket.gaierror("answered only after the test gave up")

    monkeypatch.setattr(addresses, "getaddrinfo", hanging)
    started = time.monotonic()
    try:
        with pytest.raises(AddressNotFound, match="no answer within 1 s"):
            request("POST", url(server, "/in", host="slow.example"), timeout=1.0, **OPEN)
    finally:
        stuck.set()
    assert time.monotonic() - started < 2.5
    assert server.seen == []


def test_a_closed_port_is_refused_quickly():
    with pytest.raises(RequestFailed, match="refused the connection"):
        request("POST", f"http://127.0.0.1:{free_port()}/", **OPEN)


def test_it_connects_to_the_address_it_checked_and_asks_for_the_name(server, dns, monkeypatch):
    dns["hooks.example"] = ["127.0.0.1"]
    lookups = []
    resolve = addresses.getaddrinfo

    def counting(host, *args, **kwargs):
        lookups.append(host)
        answer = resolve(host, *args, **kwargs)
        # A rebinding resolver: the next answer would be somewhere else.
        dns["hooks.example"] = ["10.9.9.9"]
        return answer

    monkeypatch.setattr(addresses, "getaddrinfo", counting)
    answer = request("POST", url(server, "/in", host="hooks.example"), **OPEN)
    assert answer.status == 200
    assert lookups == ["hooks.example"]  # resolved once; the connection used that answer
    assert server.seen[0][1]["Host"] == f"hooks.example:{server.server_address[1]}"


def test_a_private_address_is_refused_before_any_connection(server):
    with pytest.raises(AddressRefused, match="loopback"):
        request(
            "POST",
            url(server, "/in").replace("http:", "https:"),
            allow_private=False,
            require_https=True,
        )
    assert server.seen == []


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server on loopback with a self-signed certificate no one trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    seen: list = []
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), type("H", (Handler,), {"seen": seen}))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    httpd.stopping = threading.Event()
    httpd.seen = seen
    serve(httpd)
    yield httpd
    httpd.stopping.set()
    httpd.shutdown()
    httpd.server_close()


def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(tls_server):
    with pytest.raises(RequestFailed, match="TLS certificate of localhost is not valid"):
        request("POST", f"https://localhost:{tls_server.server_address[1]}/in", **OPEN)
    assert tls_server.seen == []
