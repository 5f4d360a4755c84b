"""Resident memory of a server process and the processes it started (Linux, /proc).

psutil is not in the lock file, so this reads /proc/<pid>/status. gunicorn's
memory is its master's and each worker's: the largest of them is what grows
when a request holds too much, so the tree's maximum is reported.
"""

from __future__ import annotations

from pathlib import Path


def rss_mb(pid: int) -> float:
    """VmRSS of one process in MB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children() -> dict[int, list[int]]:
    """Every process's children, by parent pid."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name in parentheses may hold spaces: split after its ")".
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    return children


def tree_pids(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children = _children()
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        todo.extend(children.get(one, []))
    return found


def tree_rss_mb(pid: int) -> float:
    """The largest VmRSS among `pid` and its descendants, in MB."""
    return max(rss_mb(one) for one in tree_pids(pid))
