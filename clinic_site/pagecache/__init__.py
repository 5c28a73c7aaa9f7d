"""The public pages' shared cache, and clearing it when staff change content.

A public page (home, list, treatment pages, privacy) is rendered once and kept
in the shared cache (Redis in production) under its path, tagged with the
content version it was rendered under; one round trip reads both. Whenever
staff save or delete content those pages show, the version is replaced, so
every cached page is stale at once on every worker and host.

One job per module:
- decorators: `cache_public_page` marks a view's page as public;
- middleware: `PublicPageCacheMiddleware` serves and stores those pages;
- store: keys, the content version, clearing the site's own cache;
- encoding: the brotli and gzip bodies made when a page is stored;
- purge: purging the pages from the nginx caches in front of the site;
- invalidation: receivers for every model in PAGE_CACHE_CONTENT_MODELS.
`connect_signals()` is called by the site's AppConfig.ready().

Rules they keep:
- signed-in staff never read or fill the cache (they may see drafts at the
  public URL) and their pages are `Cache-Control: private, no-store`;
- anonymous visitors without a session cookie never touch the session, so
  their pages set no cookie and do not vary on Cookie;
- the cache being down only means pages are rendered afresh: never a 500,
  and after an error the cache is left alone for RETRY_AFTER_SECONDS;
- cached pages go out in brotli or gzip when the client takes it, each
  encoding with its own ETag; nothing else the site sends is compressed;
- after a content change, every public page is purged from each nginx in
  PAGE_CACHE_PURGE_URLS, after the commit and within a few seconds at most;
- only GET and HEAD (405 with `Allow` otherwise, before any CSRF check);
  an ETag (and, from the cache, a Last-Modified: when the content version
  was made) so browsers and CDNs revalidate with 304s;
- every key carries the deploy's BUILD_ID and a digest of the header
  settings: pages rendered by another build or with other headers are never
  served.
"""

from . import invalidation, purge, store
from .decorators import cache_public_page
from .store import reset_cache_errors

__all__ = [
    "cache_public_page",
    "clear_public_pages",
    "connect_signals",
    "reset_cache_errors",
]


def connect_signals():
    invalidation.connect_invalidation()
    store.connect_signals()


def clear_public_pages():
    """Make every cached public page stale on every worker and host, and
    purge it from each nginx (a deploy, a bulk change without model saves)."""
    store.clear_public_pages()
    purge.purge_public_pages()
