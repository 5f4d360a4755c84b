"""axe-core for the accessibility tests: fetched from the npm registry, checked, cached.

Never served by Hushpost and never committed: the test set-up downloads the
pinned tarball from registry.npmjs.org with the standard library (no npm
needed), checks it against the integrity hash pinned below (the `dist.integrity`
the registry publishes, an SRI sha512), and keeps `axe.min.js` in a cache
directory (HUSHPOST_TEST_CACHE, default ~/.cache/hushpost-tests). A tarball
that doesn't match is refused, so a tampered or truncated download fails the
suite rather than run unknown code in the browser. To move to a newer axe,
change both values to those of `https://registry.npmjs.org/axe-core/<version>`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import tempfile
import urllib.request
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_INTEGRITY = (
    "sha512-"
    "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
MEMBER = "package/axe.min.js"


class AxeUnavailable(RuntimeError):
    pass


def cache_dir() -> Path:
    configured = os.environ.get("HUSHPOST_TEST_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "hushpost-tests"


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def axe_source() -> str:
    """The text of axe.min.js, from the cache or freshly fetched and checked."""
    target = cache_dir() / f"axe-core-{AXE_VERSION}" / "axe.min.js"
    if not target.exists():
        _fetch_into(target)
    return target.read_text(encoding="utf-8")


def _fetch_into(target: Path) -> None:
    try:
        with urllib.request.urlopen(TARBALL, timeout=60) as response:
            data = response.read()
    except OSError as error:
        raise AxeUnavailable(f"could not fetch {TARBALL}: {error}") from error
    found = integrity_of(data)
    if found != AXE_INTEGRITY:
        raise AxeUnavailable(f"{TARBALL} has integrity {found}, not the pinned {AXE_INTEGRITY}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise AxeUnavailable(f"{TARBALL} holds no {MEMBER}")
        script = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: parallel test workers never read half a file.
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as temporary:
        temporary.write(script)
    os.replace(temporary.name, target)


# WCAG 2.0, 2.1 and 2.2, levels A and AA: the tags axe gives those rules.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def run_axe(page, *, tags: list[str] | None = None) -> list[dict]:
    """Violations on the page as it is now. axe is put in by Playwright's
    evaluate, not a script tag: the page's CSP stays as strict as it is."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    options = {
        "runOnly": {"type": "tag", "values": tags or WCAG_AA_TAGS},
        "resultTypes": ["violations"],
    }
    result = page.evaluate("options => window.axe.run(document, options)", options)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return "\n".join(lines)
