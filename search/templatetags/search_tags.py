"""Showing search results: the matching words marked, everything escaped."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from ..text import fold, stem, words

register = template.Library()

# Words as the page shows them (letters and digits, accented ones included).
SHOWN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@register.filter
def highlight(text, matched):
    """`text`, escaped, with each word whose stem matched the search in
    <mark>."""
    if not matched:
        return escape(text)
    parts, end = [], 0
    for found in SHOWN_WORD.finditer(text):
        word = found.group()
        folded = "".join(ch for ch in fold(word) if ch.isalnum())
        if stem(folded) in matched:
            parts.append(escape(text[end : found.start()]))
            parts.append(format_html("<mark>{}</mark>", word))
            end = found.end()
    parts.append(escape(text[end:]))
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


@register.filter
def matching(texts, matched):
    """The texts (points, other names) that hold a matched word."""
    return [t for t in texts if any(stem(w) in matched for w in words(t))]
