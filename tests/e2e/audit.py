"""`make audit`: Lighthouse (mobile and desktop) against gunicorn, production-like.

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
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.e2e.tools import CHROMIUM, CHROMIUM_FLAGS, NODE_MODULES, ROOT

LIGHTHOUSE = NODE_MODULES / ".bin" / "lighthouse"
PAGES = {
    "home": "/",
    "treatment": "/treatments/dry-needling/",
    "enquiry": "/enquire/",
}
PRESETS = ["mobile", "desktop"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PERFORMANCE_RUNS = 3
REPORTS = ROOT / "var" / "lighthouse"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def audit_env(var_dir, port):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN"))
    }
    env.pop("DATABASE_URL", None)
    env.pop("CACHE_URL", None)
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_DEBUG="false",
        DJANGO_VAR_DIR=str(var_dir),
        DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        # The one override of production settings: Lighthouse talks plain HTTP
        # to 127.0.0.1, so no redirect to HTTPS (nor HSTS, nor secure-only
        # cookies) may apply here. Production keeps its defaults.
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    return env


def wait_until_up(url, server):
    for _ in range(60):  # at most ~30 s
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer {url} within 30 s")


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
    subprocess.run(
        command,
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
        check=True,
        timeout=180,
    )
    result = json.loads(report.read_text())
    scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = [
        f"{a['id']}: {a['title']}"
        for a in result["audits"].values()
        if a.get("score") is not None
        and a["score"] < 1
        and a["scoreDisplayMode"] in {"binary", "numeric", "metricSavings"}
    ]
    return scores, failing


def main():
    for tool, how in [
        (LIGHTHOUSE, "run `npm ci --ignore-scripts` (make audit does)"),
        (CHROMIUM, "install it with `apt-get install chromium`"),
    ]:
        if not Path(tool).exists():
            sys.exit(f"{tool} is missing: {how}")
    REPORTS.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="clinic-audit-") as tmp:
        tmp = Path(tmp)
        port = free_port()
        env = audit_env(tmp / "var", port)
        (tmp / "var").mkdir()
        for args in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["loaddata", "treatments", "clinic", "--verbosity", "0"],
            ["collectstatic", "--noinput", "--verbosity", "0"],
        ):
            subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True)
        server = subprocess.Popen(  # noqa: S603
            [
                str(Path(python).parent / "gunicorn"),
                "-c",
                "clinic_site/gunicorn.conf.py",
                "--access-logfile",
                str(tmp / "access.log"),
                "clinic_site.wsgi",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        problems = []
        try:
            wait_until_up(base + "/", server)
            print(
                f"{'page':<10} {'preset':<8} "
                + " ".join(f"{c:>14}" for c in CATEGORIES)
            )
            for name, path in PAGES.items():
                for preset in PRESETS:
                    best = None
                    for run in range(1, PERFORMANCE_RUNS + 1):
                        report = REPORTS / f"{name}-{preset}.json"
                        scores, failing = lighthouse(
                            base + path,
                            preset,
                            report,
                            tmp / f"profile-{name}-{preset}-{run}",
                        )
                        others = {c: s for c, s in scores.items() if c != "performance"}
                        if any(s < 100 for s in others.values()):
                            best = (scores, failing)
                            break
                        if (
                            best is None
                            or scores["performance"] > best[0]["performance"]
                        ):
                            best = (scores, failing)
                        if scores["performance"] == 100:
                            break
                    scores, failing = best
                    print(
                        f"{name:<10} {preset:<8} "
                        + " ".join(f"{scores[c]:>14}" for c in CATEGORIES)
                        + (f"   (performance: best of {run} runs)" if run > 1 else "")
                    )
                    if any(s < 100 for s in scores.values()):
                        problems.append(f"{name} {preset}: {scores} {failing}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            shutil.rmtree(tmp / "var", ignore_errors=True)
    if problems:
        print("\nBelow 100:\n  " + "\n  ".join(problems))
        print(f"Reports: {REPORTS}")
        sys.exit(1)
    print(f"Lighthouse: 100 in every category, {len(PAGES)} pages x {PRESETS}.")


if __name__ == "__main__":
    main()
