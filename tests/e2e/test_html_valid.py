"""The Nu HTML Checker (vnu) finds no errors in the HTML the server sends."""

import json
import shutil
import subprocess

from scripts.browser import VNU_JAR
from tests.helpers import PAGE_NAMES, open_page, require_java, require_node_tool


def test_every_page_is_valid_html(new_context, site, tmp_path):
    require_node_tool(VNU_JAR, "vnu-jar (node_modules/vnu-jar)")
    require_java()
    page = new_context().new_page()
    for name in PAGE_NAMES:
        (tmp_path / f"{name}.html").write_text(open_page(page, site, name))
    # A page with a known error proves the checker ran and was read.
    (tmp_path / "canary.html").write_text(
        "<!doctype html><html lang=en><title>c</title><p></span>"
    )
    names = [*PAGE_NAMES, "canary"]
    # One Java start for every page; --exit-zero-always: errors are read below.
    result = subprocess.run(
        [
            shutil.which("java"),
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
            *(str(tmp_path / f"{name}.html") for name in names),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = {name: [] for name in names}
    for message in messages:
        if message["type"] == "error" or message.get("subType") == "fatal":
            name = message["url"].rsplit("/", 1)[-1].removesuffix(".html")
            errors[name].append(f"line {message.get('lastLine')}: {message['message']}")
    assert errors.pop("canary") == ["line 1: Stray end tag “span”."]
    assert errors == {name: [] for name in PAGE_NAMES}
