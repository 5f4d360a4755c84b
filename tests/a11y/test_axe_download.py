"""axe-core is run only as the registry published it: a tarball whose integrity
differs from the pinned one is refused (tests/a11y/axe.py)."""

from __future__ import annotations

import gzip
import io
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.a11y import axe


def _tarball(script: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        info = tarfile.TarInfo(axe.MEMBER)
        info.size = len(script)
        archive.addfile(info, io.BytesIO(script))
    return gzip.compress(raw.getvalue())


@pytest.fixture
def registry():
    """A stand-in registry on a free port serving whatever tarball the test sets."""
    served = {"body": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(served["body"])

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served["url"] = f"http://127.0.0.1:{server.server_port}/axe-core.tgz"
    yield served
    server.shutdown()


def test_a_tarball_that_is_not_the_pinned_one_is_refused(registry, tmp_path, monkeypatch):
    registry["body"] = _tarball(b"window.axe = {run: () => ({violations: []})};")
    monkeypatch.setattr(axe, "TARBALL", registry["url"])
    monkeypatch.setenv("HUSHPOST_TEST_CACHE", str(tmp_path))
    with pytest.raises(axe.AxeUnavailable, match="not the pinned"):
        axe.axe_source()
    assert not list(tmp_path.rglob("axe.min.js"))


def test_the_pinned_tarball_is_unpacked_into_the_cache(registry, tmp_path, monkeypatch):
    script = b"/* axe */ window.axe = {};"
    registry["body"] = _tarball(script)
    monkeypatch.setattr(axe, "TARBALL", registry["url"])
    monkeypatch.setattr(axe, "AXE_INTEGRITY", axe.integrity_of(registry["body"]))
    monkeypatch.setenv("HUSHPOST_TEST_CACHE", str(tmp_path))
    assert axe.axe_source() == script.decode()
    registry["body"] = b"gone"  # the second call reads the cache
    assert axe.axe_source() == script.decode()
