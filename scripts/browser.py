"""Where Chromium and the Node tools are, and how the browser is kept on loopback.

Shared by the browser tests (tests/e2e) and the scripts that drive Chromium
(scripts.audit, scripts.screenshots). No pytest here: the scripts run without it.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
PURGECSS = NODE_MODULES / ".bin" / "purgecss"
LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"

# Every one of these, always: without them Chromium calls update and account
# hosts on its own. The dead proxy makes any request to a host other than
# 127.0.0.1 fail at once instead of leaving the machine.
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


def loopback_only(context, strays: list) -> None:
    """Let `context` reach 127.0.0.1 only: abort anything else, noting its URL."""

    def guard(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            strays.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
