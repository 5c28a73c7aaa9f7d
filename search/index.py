"""The search index: every published treatment and condition, in memory.

Built in Python from a fixed handful of queries, so SQLite and PostgreSQL
give the same results, and kept per process for the current content version
of the page cache (clinic_site.pagecache): any content change makes a new
version, and the next search on every worker and host rebuilds the index.
A query then costs no SQL at all.

Ranking: the whole name or another name typed exactly, then per word: name >
other names > medical term > summary > points and page text. Typos are
forgiven by matching each word against the index's own words (difflib).
"""

import bisect
import difflib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Prefetch

from clinic_site.pagecache import store
from conditions.models import Condition
from treatments.models import Treatment, TreatmentPoint

from .text import query_terms, stem, words

# Weights of a word found in each field.
NAME, OTHER_NAME, MEDICAL_TERM, SUMMARY, POINT, BODY = 10, 8, 6, 3, 2, 1
# The query is the whole name, or one of the other names.
EXACT_NAME = 100
# A word found only as the start of a longer word ("tendin"), or by a typo.
PREFIX_FACTOR, TYPO_FACTOR = 0.5, 0.8
MIN_PREFIX = 4
# How close a typed word must be to an indexed one to be taken for it
# (difflib's ratio), and to be offered as "did you mean".
TYPO_CUTOFF, SUGGEST_CUTOFF = 0.8, 0.65
# Words shorter than this are never taken for another word.
MIN_TYPO_LENGTH = 4
MAX_TERMS = 8


@dataclass
class Doc:
    kind: str  # "treatment" or "condition"
    title: str
    url: str
    summary: str
    medical_term: str = ""
    other_names: list = field(default_factory=list)
    points: list = field(default_factory=list)
    exact: frozenset = frozenset()  # the folded name and other names


@dataclass
class Index:
    docs: list
    # stem -> {doc number: best weight}
    postings: dict
    # stem -> the word as it appears in the content (for "did you mean")
    surface: dict
    stems: list  # sorted
    # letter pair -> the stems holding it (for typos)
    by_pair: dict

    def expand(self, word, term):
        """[(stem, factor)] the indexed words a query word stands for, and
        whether a typo was corrected."""
        found = []
        if term in self.postings:
            found.append((term, 1.0))
        if len(term) >= MIN_PREFIX:
            start = bisect.bisect_left(self.stems, term)
            for s in self.stems[start : start + 50]:
                if not s.startswith(term):
                    break
                if s != term:
                    found.append((s, PREFIX_FACTOR))
        if found or len(term) < MIN_TYPO_LENGTH:
            return found, False
        close = self.close_stems(term, TYPO_CUTOFF)
        return [(s, TYPO_FACTOR) for s in close[:2]], bool(close)

    def close_stems(self, term, cutoff):
        """Indexed words within difflib's `cutoff` of `term`, closest first.

        Only words of about the same length that share a third of its
        letter pairs are compared: a typo keeps most of a word's pairs, and
        comparing every word would cost milliseconds per query."""
        pairs = _pairs(term)
        shared = {}
        for pair in pairs:
            for s in self.by_pair.get(pair, ()):
                shared[s] = shared.get(s, 0) + 1
        needed = max(1, len(pairs) // 3)
        near = [
            s
            for s, count in shared.items()
            if count >= needed and abs(len(s) - len(term)) <= 2
        ]
        return difflib.get_close_matches(term, near, n=3, cutoff=cutoff)


def _pairs(word):
    return {word[i : i + 2] for i in range(len(word) - 1)}


def _by_pair(stems):
    found = {}
    for s in stems:
        for pair in _pairs(s):
            found.setdefault(pair, []).append(s)
    return found


def _add(postings, surface, number, text, weight):
    for word in words(text):
        s = stem(word)
        surface.setdefault(s, word)
        docs = postings.setdefault(s, {})
        if docs.get(number, 0) < weight:
            docs[number] = weight


def _exact(*names):
    return frozenset(" ".join(words(name)) for name in names if name)


def build():
    """The index of everything published, in four queries."""
    treatments = Treatment.objects.published().prefetch_related(
        Prefetch("points", queryset=TreatmentPoint.objects.order_by_page()),
        Prefetch(
            "conditions",
            queryset=Condition.objects.published().only("name", "medical_term"),
        ),
    )
    conditions = Condition.objects.published()
    docs, postings, surface = [], {}, {}
    for treatment in treatments:
        number = len(docs)
        points = [p.text for p in treatment.points.all()]
        docs.append(
            Doc(
                "treatment",
                treatment.name,
                treatment.get_absolute_url(),
                treatment.summary,
                points=points,
                exact=_exact(treatment.name),
            )
        )
        _add(postings, surface, number, treatment.name, NAME)
        _add(postings, surface, number, treatment.summary, SUMMARY)
        for text in points:
            _add(postings, surface, number, text, POINT)
        # The conditions it can help: "Achilles tendonitis" finds the treatment.
        for condition in treatment.conditions.all():
            _add(postings, surface, number, condition.name, POINT)
            _add(postings, surface, number, condition.medical_term, POINT)
        for text in (treatment.overview, treatment.how_it_works):
            _add(postings, surface, number, text, BODY)
    for condition in conditions:
        number = len(docs)
        others = condition.other_names_list
        docs.append(
            Doc(
                "condition",
                condition.name,
                condition.get_absolute_url(),
                condition.summary,
                medical_term=condition.medical_term,
                other_names=others,
                exact=_exact(condition.name, *others),
            )
        )
        _add(postings, surface, number, condition.name, NAME)
        for text in others:
            _add(postings, surface, number, text, OTHER_NAME)
        _add(postings, surface, number, condition.medical_term, MEDICAL_TERM)
        _add(postings, surface, number, condition.summary, SUMMARY)
    stems = sorted(postings)
    return Index(docs, postings, surface, stems, _by_pair(stems))


# (content version, index) of this process; replaced whole, never mutated.
_current = (None, None)


def content_version():
    """The page cache's content version (made if missing), or None when the
    cache cannot be read."""
    try:
        version = cache.get(store.VERSION_KEY)
        if version is None:
            cache.add(store.VERSION_KEY, store.new_version(), timeout=None)
            version = cache.get(store.VERSION_KEY)
    except Exception as exc:
        store.cache_failed("Search index version unknown", exc)
        return None
    return version


def current_index():
    """This process's index for the current content; rebuilt on every search
    while the cache is down (the version is then unknown)."""
    global _current
    version = content_version()
    built_for, index = _current
    if version is None or version != built_for or index is None:
        index = build()
        if version is not None:
            _current = (version, index)
    return index


@dataclass
class Results:
    treatments: list
    conditions: list
    # the stems that matched, for highlighting
    matched: set
    # the query with typos corrected, when one was
    corrected: str = ""
    # a close spelling to offer when nothing matched
    suggestion: str = ""
    searched_words: int = 0
    words_left_out: int = 0
    # how many were found (only the best `limit` of each are listed)
    treatments_found: int = 0
    conditions_found: int = 0

    @property
    def total(self):
        return self.treatments_found + self.conditions_found


def search(query, index=None, limit=20):
    index = index if index is not None else current_index()
    terms = query_terms(query)
    left_out = max(0, len(terms) - MAX_TERMS)
    terms = terms[:MAX_TERMS]
    scores, hits = {}, {}
    matched, corrected_words, any_typo = set(), [], False
    for word, term in terms:
        expanded, typo = index.expand(word, term)
        any_typo |= typo
        corrected_words.append(index.surface[expanded[0][0]] if typo else word)
        best = {}
        for s, factor in expanded:
            matched.add(s)
            for number, weight in index.postings[s].items():
                value = weight * factor
                if value > best.get(number, 0):
                    best[number] = value
        for number, value in best.items():
            scores[number] = scores.get(number, 0) + value
            hits[number] = hits.get(number, 0) + 1
    phrase = " ".join(word for word, _ in terms)
    for number in scores:
        if phrase in index.docs[number].exact:
            scores[number] += EXACT_NAME
    ranked = sorted(
        scores,
        key=lambda n: (-hits[n], -scores[n], index.docs[n].title.casefold()),
    )
    found = [index.docs[n] for n in ranked]
    treatments = [d for d in found if d.kind == "treatment"]
    conditions = [d for d in found if d.kind == "condition"]
    results = Results(
        treatments=treatments[:limit],
        conditions=conditions[:limit],
        treatments_found=len(treatments),
        conditions_found=len(conditions),
        matched=matched,
        corrected=" ".join(corrected_words) if any_typo and found else "",
        searched_words=len(terms),
        words_left_out=left_out,
    )
    if not found:
        results.suggestion = suggest(index, terms)
    return results


def suggest(index, terms):
    """A close spelling of the query made of indexed words, or ""."""
    suggested, changed = [], False
    for word, term in terms:
        if term in index.postings:
            suggested.append(word)
            continue
        close = index.close_stems(term, SUGGEST_CUTOFF) if len(term) >= 3 else []
        if not close:
            return ""
        suggested.append(index.surface[close[0]])
        changed = True
    return " ".join(suggested) if changed else ""
