"""Search latency with 500 treatments and 1,000 conditions, on SQLite.

    .venv/bin/python -m bench.search_bench [--treatments 500] [--conditions 1000]

Builds a temporary SQLite database (deleted afterwards) with made-up content
of realistic size (18 points per treatment, other names and descriptions per
condition), then times, in-process:
- building the index (what the first search after a content change pays);
- `search()` for a mix of queries (exact names, other names, typos, plurals,
  several words, nothing found), each query many times;
- the whole /search/ request through Django's test client (the view, the
  content-version read from the cache, the template), with the index built.
Prints p50 and p99 of each, as wall-clock time and as CPU time (on a busy
machine the wall clock also counts waiting for other processes), and the
SQL queries of a request.
No network at all.
"""

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.scale import setup_django

PARTS = [
    "achilles",
    "knee",
    "shoulder",
    "hip",
    "ankle",
    "elbow",
    "wrist",
    "neck",
    "back",
    "heel",
    "foot",
    "hand",
    "thumb",
    "calf",
    "hamstring",
    "groin",
    "jaw",
    "rib",
    "thigh",
    "shin",
    "toe",
    "finger",
    "spine",
    "buttock",
    "forearm",
    "collarbone",
    "kneecap",
    "arch",
    "sole",
    "tendon",
]
PROBLEMS = [
    "pain",
    "stiffness",
    "strain",
    "sprain",
    "tendinopathy",
    "bursitis",
    "arthritis",
    "impingement",
    "tear",
    "weakness",
    "swelling",
    "cramp",
    "spasm",
    "knots",
    "instability",
    "clicking",
    "numbness",
    "tingling",
    "inflammation",
    "overuse",
]
WORDS = [
    "muscle",
    "tendon",
    "ligament",
    "joint",
    "movement",
    "injury",
    "sport",
    "running",
    "walking",
    "posture",
    "tissue",
    "healing",
    "exercise",
    "trigger",
    "point",
    "needle",
    "stretch",
    "massage",
    "treatment",
    "session",
    "clinician",
    "ultrasound",
    "guidance",
    "relief",
    "tension",
    "recovery",
    "morning",
    "evening",
    "swelling",
    "bruising",
    "soreness",
    "circulation",
    "function",
]

QUERIES = [
    "achilles",
    "achiles",
    "Achilles tendonitis",
    "trigger points",
    "needle",
    "needeling",
    "knee pain",
    "shoulder impingment",
    "hamstrings",
    "xyzzy",
    "pain",
    "back pain when running in the morning",
]


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def load(treatments, conditions):
    from django.core.management import call_command

    from conditions.models import Condition
    from treatments.models import Section, Treatment, TreatmentPoint

    rng = random.Random(14)
    call_command("migrate", "--noinput", verbosity=0)
    call_command("loaddata", "treatments", "clinic", "conditions", verbosity=0)
    made = Treatment.objects.bulk_create(
        Treatment(
            name=f"{rng.choice(WORDS).capitalize()} therapy {i:04d}",
            slug=f"treatment-{i:04d}",
            summary=sentence(rng, 14),
            overview=sentence(rng, 40),
            how_it_works=sentence(rng, 40),
            status=Treatment.Status.PUBLISHED,
        )
        for i in range(treatments - 1)
    )
    TreatmentPoint.objects.bulk_create(
        TreatmentPoint(
            treatment=treatment,
            section=section,
            text=sentence(rng, 9),
            order=order,
        )
        for treatment in made
        for section in Section.values
        for order in range(3)
    )
    names = set()
    rows = []
    while len(rows) < conditions - Condition.objects.count():
        part, problem = rng.choice(PARTS), rng.choice(PROBLEMS)
        name = f"{part.capitalize()} {problem} {len(rows)}"
        if name in names:
            continue
        names.add(name)
        rows.append(
            Condition(
                name=name,
                slug=f"condition-{len(rows):04d}",
                medical_term=f"{part.capitalize()} {rng.choice(PROBLEMS)}",
                other_names="\n".join(
                    f"{rng.choice(PARTS)} {rng.choice(PROBLEMS)}" for _ in range(3)
                ),
                summary=sentence(rng, 18),
                status=Condition.Status.PUBLISHED,
            )
        )
    made_conditions = Condition.objects.bulk_create(rows)
    Condition.treatments.through.objects.bulk_create(
        Condition.treatments.through(condition=c, treatment=rng.choice(made))
        for c in made_conditions
    )


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(label, samples):
    """Wall-clock and CPU time (the CPU time is what the figure would be on an
    idle machine; the wall clock includes waiting for other processes)."""
    wall = [w * 1000 for w, _ in samples]
    cpu = [c * 1000 for _, c in samples]
    print(
        f"{label:<36} wall p50 {statistics.median(wall):7.2f} p99 "
        f"{percentile(wall, 99):7.2f} ms | CPU p50 {statistics.median(cpu):7.2f} "
        f"p99 {percentile(cpu, 99):7.2f} max {max(cpu):7.2f} ms ({len(wall)} runs)"
    )


class timed:
    """Appends (wall seconds, CPU seconds of this thread) to `samples`."""

    def __init__(self, samples):
        self.samples = samples

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.thread_time()

    def __exit__(self, *exc):
        self.samples.append(
            (time.perf_counter() - self.wall, time.thread_time() - self.cpu)
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--treatments", type=int, default=500)
    parser.add_argument("--conditions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        setup_django(var)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from conditions.models import Condition
        from search import index
        from treatments.models import Treatment, TreatmentPoint

        load(args.treatments, args.conditions)
        print(
            f"SQLite: {Treatment.objects.count()} treatments, "
            f"{TreatmentPoint.objects.count()} points, "
            f"{Condition.objects.count()} conditions"
        )

        builds = []
        for _ in range(5):
            with timed(builds):
                built = index.build()
        print(f"index: {len(built.docs)} pages, {len(built.stems)} distinct words")
        report("build the index (after a change)", builds)

        per_query = {q: [] for q in QUERIES}
        for _ in range(args.rounds):
            for query in QUERIES:
                with timed(per_query[query]):
                    index.search(query, built)
        report("search(), all queries", [s for v in per_query.values() for s in v])
        worst = max(
            per_query, key=lambda q: percentile([c for _, c in per_query[q]], 99)
        )
        report(f"search(), slowest: {worst!r}", per_query[worst])

        client = Client()
        client.get("/search/?q=warm")  # builds this process's index
        requests = []
        for _ in range(max(1, args.rounds // 4)):
            for query in QUERIES:
                with timed(requests):
                    response = client.get("/search/", {"q": query})
                assert response.status_code == 200
        report("GET /search/ (index built)", requests)
        with CaptureQueriesContext(connection) as ctx:
            client.get("/search/", {"q": "achiles"})
        print(f"SQL queries per search request (index built): {len(ctx)}")

        print("\nResults for the issue's queries:")
        for query in ("achilles", "achiles", "Achilles tendonitis"):
            found = index.search(query, built)
            print(f"  {query!r}: {found.total} found")
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
