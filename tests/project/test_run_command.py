"""`hushpost run` starts the whole product, Ctrl-C stops all of it, and a
second run reuses the data."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def start(data_dir: Path, port: int) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUSHPOST_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env["HUSHPOST_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "hushpost.cli", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def read_until_password(process: subprocess.Popen, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("password: "):
            return lines
    raise AssertionError("no password line printed:\n" + "\n".join(lines))


# Five processes start at once (web with its workers, the worker, the webhook
# sender, the scheduler); on a loaded two-core machine that takes a while.
def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def sign_in(base: str, email: str, password: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urlencode(
        {"csrfmiddlewaretoken": token, "username": email, "password": password}
    ).encode()
    request = urllib.request.Request(
        base + "/accounts/login/", data=data, headers={"Referer": base + "/accounts/login/"}
    )
    return opener.open(request).read().decode()


def children_of(process: subprocess.Popen) -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 5 of /proc/<pid>/stat is the process group.
            if int(stat.rsplit(")", 1)[1].split()[2]) == process.pid:
                pids.add(int(entry.name))
    return pids


def stop(process: subprocess.Popen) -> str:
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    rest, _ = process.communicate(timeout=30)
    return rest


def test_run_serves_the_demo_and_stops_cleanly_and_reuses_its_data(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(tmp_path, port)
    try:
        lines = read_until_password(process)
        assert any(f"{base}/" in line for line in lines)
        assert "Sign in as demo@example.com" in lines
        password = lines[-1].removeprefix("password: ")
        wait_for(base + "/accounts/login/")
        assert "Jane Roe" in sign_in(base, "demo@example.com", password)
        # web (gunicorn master + workers), db_worker and scheduler all run in the group.
        assert len(children_of(process)) >= 5
    finally:
        rest = stop(process)
    assert process.returncode == 0, rest
    assert "Hushpost stopped." in rest
    time.sleep(0.5)
    assert children_of(process) == set(), "processes left behind after Ctrl-C"

    again = start(tmp_path, port)
    try:
        lines = read_until_password(again)
        assert lines[-1] == f"password: {password}"
        assert not any("Created the demo organization" in line for line in lines)
        wait_for(base + "/accounts/login/")
        assert "Jane Roe" in sign_in(base, "demo@example.com", password)
    finally:
        stop(again)
    assert again.returncode == 0
