"""Lighthouse (mobile and desktop) against gunicorn, production-like.

    python -m scripts.audit        (what `make audit` runs)

Starts gunicorn with DJANGO_ENV=production and DEBUG off on a free 127.0.0.1
port, over a throwaway SQLite database with the shipped content, and fails
unless every page scores 100 in performance, accessibility, best practices
and SEO. Reports go to var/lighthouse/.

Performance moves with CPU load (the machine is shared): a page whose
performance is below 100 is measured again, up to three runs, and its best
run counts. The other three categories must be 100 in every run.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from scripts.browser import CHROMIUM, CHROMIUM_FLAGS, LIGHTHOUSE, ROOT
from scripts.server import running_site

PAGES = {
    "home": "/",
    "treatment": "/treatments/dry-needling/",
    "enquiry": "/enquire/",
}
PRESETS = ["mobile", "desktop"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PERFORMANCE_RUNS = 3
LIGHTHOUSE_ATTEMPTS = 3
REPORTS = ROOT / "var" / "lighthouse"


def lighthouse(url, preset, report, profile):
    flags = " ".join([*CHROMIUM_FLAGS, f"--user-data-dir={profile}"])
    command = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-flags={flags}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    # Lighthouse now and then fails to record a trace under load (NO_NAVSTART):
    # that is no score, so it is tried again, three times at most.
    for attempt in range(1, LIGHTHOUSE_ATTEMPTS + 1):
        report.unlink(missing_ok=True)
        done = subprocess.run(
            command,
            env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
            check=False,
            timeout=180,
        )
        if done.returncode == 0 and report.exists():
            result = json.loads(report.read_text())
            if not result.get("runtimeError"):
                break
        print(f"Lighthouse gave no result for {url} (attempt {attempt})")
    else:
        sys.exit(f"Lighthouse failed {LIGHTHOUSE_ATTEMPTS} times on {url}")
    scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = [
        f"{a['id']}: {a['title']}"
        for a in result["audits"].values()
        if a.get("score") is not None
        and a["score"] < 1
        and a["scoreDisplayMode"] in {"binary", "numeric", "metricSavings"}
    ]
    return scores, failing


def measure(url, preset, report, profiles):
    """Scores of one page and preset: performance is the best of up to 3 runs."""
    best = None
    for run in range(1, PERFORMANCE_RUNS + 1):
        scores, failing = lighthouse(url, preset, report, profiles / f"{run}")
        if any(s < 100 for c, s in scores.items() if c != "performance"):
            return scores, failing, run
        if best is None or scores["performance"] > best[0]["performance"]:
            best = (scores, failing)
        if scores["performance"] == 100:
            break
    return *best, run


def main():
    for tool, how in [
        (LIGHTHOUSE, "run `npm ci --ignore-scripts` (make audit does)"),
        (CHROMIUM, "install it with `apt-get install chromium`"),
    ]:
        if not Path(tool).exists():
            sys.exit(f"{tool} is missing: {how}")
    REPORTS.mkdir(parents=True, exist_ok=True)
    problems = []
    with running_site(production=True) as (base, _env, tmp):
        print(f"{'page':<10} {'preset':<8} " + " ".join(f"{c:>14}" for c in CATEGORIES))
        for name, path in PAGES.items():
            for preset in PRESETS:
                scores, failing, runs = measure(
                    base + path,
                    preset,
                    REPORTS / f"{name}-{preset}.json",
                    tmp / f"profile-{name}-{preset}",
                )
                note = f"   (performance: best of {runs} runs)" if runs > 1 else ""
                print(
                    f"{name:<10} {preset:<8} "
                    + " ".join(f"{scores[c]:>14}" for c in CATEGORIES)
                    + note
                )
                if any(s < 100 for s in scores.values()):
                    problems.append(f"{name} {preset}: {scores} {failing}")
    if problems:
        print("\nBelow 100:\n  " + "\n  ".join(problems))
        print(f"Reports: {REPORTS}")
        sys.exit(1)
    print(f"Lighthouse: 100 in every category, {len(PAGES)} pages x {PRESETS}.")


if __name__ == "__main__":
    main()
