"""Words as search compares them: folded, split and reduced to a stem.

The same rules read the content and the query, in Python, so SQLite and
PostgreSQL give the same answers.
"""

import functools
import re
import unicodedata

WORD = re.compile(r"[a-z0-9]+")
# Apostrophes inside a word ("jumper's knee") join it.
APOSTROPHES = re.compile(r"(?<=\w)['’](?=\w)")

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
    ]
)


def fold(text):
    """Lower case, accents removed, apostrophes inside words dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return APOSTROPHES.sub("", text.casefold())


def words(text):
    """The folded words of `text`, in order."""
    return WORD.findall(fold(text))


@functools.lru_cache(maxsize=100_000)
def stem(word):
    """A crude English stem, enough for plurals and -ing/-ed forms:
    points → point, tendinopathies → tendinopathy, needling and needle →
    needl. Words of four letters or fewer are kept as they are."""
    if len(word) <= 4 or word.isdigit():
        return word
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def query_terms(text):
    """(word, stem) pairs of a query, stop words left out, each stem once."""
    seen, terms = set(), []
    for word in words(text):
        if word in STOP_WORDS:
            continue
        s = stem(word)
        if s not in seen:
            seen.add(s)
            terms.append((word, s))
    return terms
