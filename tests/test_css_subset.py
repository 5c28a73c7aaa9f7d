"""The committed Bootstrap subset is what `make css` builds from the templates now."""

import subprocess

from scripts.browser import PURGECSS, ROOT
from tests.helpers import require_node_tool

SUBSET = ROOT / "static" / "css" / "bootstrap.purged.css"


def test_committed_bootstrap_subset_is_up_to_date(tmp_path):
    require_node_tool(PURGECSS, "PurgeCSS (node_modules/.bin/purgecss)")
    fresh = tmp_path / "bootstrap.purged.css"
    subprocess.run(
        [PURGECSS, "--config", "purgecss.config.cjs", "--output", fresh],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    assert fresh.read_text() == SUBSET.read_text(), (
        "static/css/bootstrap.purged.css is stale: run `make css` and commit it"
    )


def test_subset_keeps_the_rules_the_site_relies_on():
    css = SUBSET.read_text()
    for selector in [
        ".visually-hidden",
        ".btn-primary",
        ".form-control",
        ".form-check-input:checked[type=checkbox]",
        ".col-lg-8",
    ]:
        assert selector in css, selector
