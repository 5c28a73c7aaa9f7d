"""Plain-English advice for the review screen (advisory only, never a block).

The NHS aims for a reading age of 9 to 11 and uses such scores only to decide
what to look at first; so does this. textstat's word lists ship inside the
package (nothing downloads at run time).
"""

import re

import textstat

# The NHS content guide's aim, and its "long sentence" rule of thumb.
READING_AGE_AIM = 11
LONG_SENTENCE_WORDS = 25

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def reading_age(text):
    """Years of age a reader needs (Flesch-Kincaid grade + 5), or None for
    text too short to score."""
    if len(text.split()) < 10:
        return None
    return round(textstat.flesch_kincaid_grade(text) + 5)


def long_sentences(text):
    return [
        sentence.strip()
        for sentence in SENTENCE_END.split(text)
        if len(sentence.split()) > LONG_SENTENCE_WORDS
    ]


def advice(text):
    """Sentences for the reviewer about `text`; empty when it reads well."""
    notes = []
    age = reading_age(text)
    if age is not None and age > READING_AGE_AIM:
        notes.append(
            f"Reading age about {age}: the NHS aims for 9 to 11. Shorter "
            "sentences and everyday words bring it down."
        )
    for sentence in long_sentences(text):
        words = len(sentence.split())
        notes.append(
            f"A sentence of {words} words (over {LONG_SENTENCE_WORDS}): “{sentence}”"
        )
    return notes
