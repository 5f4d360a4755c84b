"""Compiling the translations in hushpost/locale/ (.po, committed) into the .mo files
Django reads (not committed: built from the .po by `make run` and `make test`).

Babel does it in Python, so no machine needs GNU gettext to run Hushpost;
`makemessages`, which only developers run, still uses xgettext. A fuzzy entry
is left out of the .mo (the page shows English) and the completeness test
fails on it.

python -m hushpost.catalogs        compile every catalog that changed
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def compile_catalogs(*, force: bool = False) -> list[Path]:
    """Write each .mo older than its .po; the compiled ones are returned."""
    written = []
    for po in po_files():
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        # Written beside and renamed into place: a test worker or server reading
        # the catalogs meanwhile sees the old file or the new one, never half.
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
        written.append(mo)
    return written


if __name__ == "__main__":
    done = compile_catalogs(force="--force" in sys.argv)
    print(f"translations: {len(done)} catalog(s) compiled")
