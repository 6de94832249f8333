"""Fixtures every test layer shares: the ``../shared`` folder and the real services."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BEHEST_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (specs, evaldata); tests that need it skip, with the reason, without it."""
    if not (SHARED / "specs").is_dir():
        pytest.skip(f"needs the project's shared folder at {SHARED} (set BEHEST_SHARED_DIR)")
    return SHARED
