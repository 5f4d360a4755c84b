"""Starting a real Hushpost server for a bench and waiting until it answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_hushpost(port: int, command: str, *args: str, **env: str) -> subprocess.Popen:
    """`hushpost <command> --bind 127.0.0.1 --port <port> <args>` in its own process group,
    once its sign-in page answers; exits the bench if it stops or never answers."""
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "hushpost.cli", command),
            *("--bind", "127.0.0.1", "--port", str(port), *args),
        ],
        cwd=ROOT,
        env={**os.environ, "HUSHPOST_BASE_URL": f"http://127.0.0.1:{port}", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120  # a busy machine boots Django slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"hushpost {command} stopped at start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit(f"hushpost {command} never answered")
