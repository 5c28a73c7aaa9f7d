"""schema.org JSON-LD for search engines, escaped like `json_script`.

`<`, `>` and `&` are written as \\u escapes, so no text staff type (e.g.
`</script>`) can end the block early.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data):
    """A `<script type="application/ld+json">` block holding `data`, safely."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_ESCAPES)),  # noqa: S308 (escaped above)
    )
