"""The guard every browser test relies on: nothing but 127.0.0.1 is reached."""

from scripts.browser import loopback_only


def test_requests_to_other_hosts_are_aborted_and_noted(browser, site):
    context = browser.new_context()
    strays = []
    loopback_only(context, strays)
    page = context.new_page()
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    # On about:blank, so no Content-Security-Policy of the site's can block the
    # request before the guard sees it.
    page.set_content(
        '<img src="http://example.invalid/pixel.png" alt="">'
        f'<img src="{site}/static/img/favicon.svg" alt="">'
    )
    page.wait_for_load_state()
    context.close()
    assert strays == ["http://example.invalid/pixel.png"]
    assert failed == ["http://example.invalid/pixel.png"]
