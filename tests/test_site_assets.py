"""Favicon, web manifest and the default Open Graph image."""

import json

import pytest
from django.conf import settings

from tests.helpers import soup

pytestmark = pytest.mark.django_db
STATIC = settings.BASE_DIR / "static"


def test_favicon_ico_answers_with_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"
    assert (STATIC / "img" / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"


def test_pages_link_icons_and_manifest_that_exist(client, clinic):
    head = soup(client.get("/")).head
    for rel in ["icon", "apple-touch-icon", "manifest"]:
        links = head.find_all("link", rel=rel)
        assert links, f"no <link rel={rel}>"
        for link in links:
            assert (STATIC / link["href"].removeprefix("/static/")).is_file()


def test_manifest_names_icons_that_exist():
    manifest = json.loads((STATIC / "site.webmanifest").read_text())
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (STATIC / icon["src"]).is_file()


def test_open_graph_image_is_an_absolute_url(client, clinic, settings):
    settings.SITE_URL = "https://clinic.example/"
    head = soup(client.get("/")).head
    image = head.find("meta", property="og:image")["content"]
    assert image == "https://clinic.example/static/img/og-default.png"
    assert (STATIC / "img" / "og-default.png").read_bytes()[:4] == b"\x89PNG"
