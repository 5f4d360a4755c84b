"""Fixtures of the accessibility tests."""

from __future__ import annotations

import pytest

from hushpost.portal import decorators


@pytest.fixture
def shrink_uploads(monkeypatch):
    original = decorators.MAX_REQUEST_BYTES

    def shrink(limit):
        monkeypatch.setattr(decorators, "MAX_REQUEST_BYTES", limit or original)

    return shrink
