"""Compressed public pages: brotli and gzip bodies made once, when a page is
cached, and the one a client asked for picked on each request.

Only public pages are compressed. Pages that carry a CSRF token or a
patient's details (the enquiry form, thanks, admin) are never compressed, by
the site or by nginx: compressing a secret beside text an attacker can
inject lets the compressed length leak the secret (BREACH). Public pages hold
no secret, so their compressed length tells nothing.
"""

import gzip

import brotli

# In order of preference; "" is the page as rendered (identity).
ENCODINGS = ("br", "gzip", "")


def preferred_encoding(accept_encoding):
    """ "br", "gzip" or "" for an Accept-Encoding header: brotli when the client
    takes it, else gzip, else none. `q=0` refuses a coding; `*` is not
    honoured (clients that send it send the names too)."""
    accepted = set()
    for part in accept_encoding.lower().split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        refused = False
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    refused = not float(value) > 0
                except ValueError:
                    refused = True
        if name and not refused:
            accepted.add(name)
    return next((name for name in ENCODINGS if name in accepted), "")


def compressed_bodies(content):
    """The page in every encoding, keyed as ENCODINGS: made once per cached
    page, so the slowest, smallest settings are worth it."""
    return {
        "br": brotli.compress(content, mode=brotli.MODE_TEXT, quality=11),
        # mtime=0: the same page gives the same bytes (and ETag) on every host.
        "gzip": gzip.compress(content, compresslevel=9, mtime=0),
        "": content,
    }


def variant_etag(etag, encoding):
    """The ETag of one encoding of a page: the page's own ETag with the
    encoding appended inside the quotes ("abc" -> "abc-br"), as Apache does,
    so each stored variant revalidates on its own."""
    if not encoding or not etag.endswith('"'):
        return etag
    return f'{etag[:-1]}-{encoding}"'
