"""gunicorn's own lines (start-up, workers, errors) in the format of every other line.

Loaded by `hushpost web` (`-c python:hushpost.gunicorn_conf`) in gunicorn's
master, before Django: so it reads the environment itself, as settings do.
The access log keeps its own handler and format (HUSHPOST_ACCESS_LOG).
"""

from __future__ import annotations

import os

from hushpost.log_context import logging_config

_production = os.environ.get("HUSHPOST_ENV", "").strip() == "production"
_format = os.environ.get("HUSHPOST_LOG_FORMAT", "").strip() or ("json" if _production else "text")

logconfig_dict = logging_config(
    log_format=_format if _format in ("json", "text") else "text",
    level=os.environ.get("HUSHPOST_LOG_LEVEL", "").strip() or "INFO",
)
logconfig_dict["loggers"]["gunicorn.error"] = {
    "level": "INFO",
    "handlers": ["console"],
    "propagate": False,
}
