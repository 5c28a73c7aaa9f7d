"""Helpers shared by the test modules. Fixtures and hooks live in conftest.py,
factories in factories.py; test modules import nothing from either but these."""

import os
import shutil
from pathlib import Path

import pytest

from scripts.browser import CHROMIUM

# Browser tools ---------------------------------------------------------------
# On a developer machine a missing tool skips the tests that need it, with one
# line saying how to install it. Under CI=true a missing tool is a failure.

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, what: str, how: str) -> None:
    """Skip (developer machine) or fail (CI) when a tool is missing."""
    if available:
        return
    message = f"{what} is missing: {how}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def require_chromium() -> None:
    require(
        CHROMIUM.exists(),
        f"Chromium ({CHROMIUM})",
        "install it with `sudo apt-get install chromium` to run the browser tests",
    )


def require_node_tool(path: Path, name: str) -> None:
    require(
        path.exists(),
        name,
        "install Node.js/npm, then `npm ci --ignore-scripts` (make test does this "
        "when npm exists)",
    )


def require_java() -> None:
    require(
        shutil.which("java") is not None,
        "Java (for the Nu HTML Checker)",
        "install it with `sudo apt-get install default-jre-headless`",
    )
