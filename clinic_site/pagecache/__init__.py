"""The public pages' shared cache, and clearing it when staff change content.

A public page (home, list, treatment pages, privacy) is rendered once and kept
in the shared cache (Redis in production) under its path, tagged with the
content version it was rendered under; one round trip reads both. Whenever
staff save or delete content those pages show, the version is replaced, so
every cached page is stale at once on every worker and host.

One job per module:
- decorators: `cache_public_page` marks a view's page as public;
- middleware: `PublicPageCacheMiddleware` serves and stores those pages;
- store: keys, the content version, `clear_public_pages()`;
- invalidation: receivers for every model in PAGE_CACHE_CONTENT_MODELS.
`connect_signals()` is called by the site's AppConfig.ready().

Rules they keep:
- signed-in staff never read or fill the cache (they may see drafts at the
  public URL) and their pages are `Cache-Control: private, no-store`;
- anonymous visitors without a session cookie never touch the session, so
  their pages set no cookie and do not vary on Cookie;
- the cache being down only means pages are rendered afresh: never a 500,
  and after an error the cache is left alone for RETRY_AFTER_SECONDS;
- only GET and HEAD (405 with `Allow` otherwise, before any CSRF check);
  an ETag (and, from the cache, a Last-Modified: when the content version
  was made) so browsers and CDNs revalidate with 304s;
- every key carries the deploy's BUILD_ID and a digest of the header
  settings: pages rendered by another build or with other headers are never
  served.
"""

from . import invalidation, store
from .decorators import cache_public_page
from .store import clear_public_pages, reset_cache_errors

__all__ = [
    "cache_public_page",
    "clear_public_pages",
    "connect_signals",
    "reset_cache_errors",
]


def connect_signals():
    invalidation.connect_invalidation()
    store.connect_signals()
