"""Where the browser-test tools live, and what to do when one is missing.

On a developer machine a missing tool skips the tests that need it, with one
line saying how to install it. Under CI=true a missing tool is a failure.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
PURGECSS = NODE_MODULES / ".bin" / "purgecss"

# BROWSER.md: every one of these, always. The proxy makes any request to a host
# other than 127.0.0.1 fail at once instead of leaving the machine.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
]

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


def loopback_only(context, strays: list) -> None:
    """Let `context` reach 127.0.0.1 only: abort anything else, noting its URL."""

    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            strays.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
