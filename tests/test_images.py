"""Treatment images: checked by content, metadata stripped, renditions once."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from tests.factories import TreatmentFactory
from tests.helpers import field_errors, post_change, soup
from treatments import images
from treatments.models import Treatment
from treatments.templatetags.treatment_tags import picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def jpeg_bytes(size=(1600, 1200), exif=None, color="teal"):
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=85, **options)
    return buffer.getvalue()


def png_bytes(size, mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width, height):
    """A tiny PNG whose header claims width × height pixels (a bomb's shape)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def gps_exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.0)
    return exif


def draft(**kwargs):
    """A draft: admin saves it at once (a published page's changes wait for a
    clinical reviewer's approval, see tests/test_treatment_editor.py)."""
    return TreatmentFactory(status=Treatment.Status.DRAFT, **kwargs)


def publish(treatment):
    """What a reviewer's approval of the draft's publication ends with."""
    treatment.refresh_from_db()
    treatment.status = Treatment.Status.PUBLISHED
    treatment.save()


def upload(client, treatment, data, name, content_type="image/jpeg", alt="A photo"):
    """Choose a file for the treatment's image in admin and save."""
    image = SimpleUploadedFile(name, data, content_type=content_type)
    return post_change(client, treatment, image=image, image_alt=alt)


# Accepted -------------------------------------------------------------------------


def test_a_jpeg_is_stored_without_its_gps_data(admin_client, media_root):
    data = jpeg_bytes(exif=gps_exif())
    # The upload really carries location data...
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    treatment = draft(slug="needling")
    response = upload(admin_client, treatment, data, "IMG_0001.JPG")
    assert response.status_code == 302
    treatment.refresh_from_db()
    # ...and what is stored has none, nor any other EXIF.
    with Image.open(treatment.image.path) as stored:
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert stored.size == (1600, 1200)


def test_renditions_are_made_once_on_save_with_their_sizes(admin_client, media_root):
    treatment = draft(slug="needling")
    upload(admin_client, treatment, jpeg_bytes(size=(1600, 1200)), "photo.jpg")
    treatment.refresh_from_db()
    renditions = treatment.image_renditions
    assert [(r["width"], r["height"]) for r in renditions["webp"]] == [
        (480, 360),
        (960, 720),
        (1440, 1080),
    ]
    assert (renditions["jpeg"]["width"], renditions["jpeg"]["height"]) == (960, 720)
    for rendition in [*renditions["webp"], renditions["jpeg"]]:
        with Image.open(media_root / rendition["name"]) as made:
            assert made.size == (rendition["width"], rendition["height"])
    assert Image.open(media_root / renditions["webp"][0]["name"]).format == "WEBP"
    assert Image.open(media_root / renditions["jpeg"]["name"]).format == "JPEG"
    # Original + 3 WebP + 1 JPEG; showing the page makes nothing more.
    files = stored_files(media_root)
    assert len(files) == 5
    treatment.refresh_from_db()
    assert picture(treatment)
    assert stored_files(media_root) == files


# Marks written into an upload's metadata; no stored file may contain them.
SECRETS = {
    "comment": b"secret-comment-3f9a",
    "exif": b"secret-camera-3f9a",
    "xmp": b"secret-xmp-3f9a",
    "text": b"secret-text-3f9a",
}


def jpeg_with_metadata():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = SECRETS["exif"].decode()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SECRETS["xmp"] + b"</x:xmpmeta>"
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), "teal").save(
        buffer, "JPEG", comment=SECRETS["comment"], exif=exif, xmp=xmp
    )
    return buffer.getvalue()


def png_with_metadata():
    """A PNG whose text chunk Pillow reads as `comment`, as a JPEG's is read."""
    text = PngImagePlugin.PngInfo()
    text.add_text("comment", SECRETS["text"].decode())
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), "teal").save(buffer, "PNG", pnginfo=text)
    return buffer.getvalue()


def files_containing_secrets(root):
    return {
        (path.name, name)
        for path in stored_files(root)
        for name, mark in SECRETS.items()
        if mark in path.read_bytes()
    }


@pytest.mark.parametrize(
    "data, name, marks",
    [
        (jpeg_with_metadata(), "IMG_0003.JPG", {"comment", "exif", "xmp"}),
        (png_with_metadata(), "scan.png", {"text"}),
    ],
    ids=["jpeg", "png"],
)
def test_no_stored_file_keeps_comments_exif_or_xmp(
    admin_client, media_root, data, name, marks
):
    """The original and every rendition are stored without the upload's
    comment, EXIF, XMP or text chunks (a JPEG rendition would write any
    `comment` Pillow read back out)."""
    # The upload really carries every mark...
    assert {n for n, mark in SECRETS.items() if mark in data} == marks
    treatment = draft(slug="needling")
    assert upload(admin_client, treatment, data, name).status_code == 302
    # ...and none of the five stored files does.
    assert len(stored_files(media_root)) == 5
    assert files_containing_secrets(media_root) == set()
    treatment.refresh_from_db()
    with Image.open(treatment.image.path) as stored:
        assert "comment" not in stored.info
        assert dict(stored.getexif()) == {}


def test_the_colour_profile_is_kept_in_the_original(media_root):
    """The ICC profile says how to show the photo's colours: not personal data."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(buffer, "JPEG", icc_profile=profile)
    upload = SimpleUploadedFile("photo.jpg", buffer.getvalue())
    processed = images.process_upload(upload, "needling-1")
    with Image.open(io.BytesIO(processed.original.read())) as original:
        assert original.info["icc_profile"] == profile


def mpo_bytes(size=(600, 400)):
    """A multi-picture JPEG, as phone cameras write: two pictures in one file."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(
        buffer, "MPO", save_all=True, append_images=[Image.new("RGB", size, "red")]
    )
    return buffer.getvalue()


def test_a_multi_picture_jpeg_is_stored_as_a_jpeg_of_its_first_picture(
    admin_client, media_root
):
    data = mpo_bytes()
    # Pillow opens it with the JPEG plugin, but calls it MPO.
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as opened:
        assert (opened.format, opened.n_frames) == ("MPO", 2)
    treatment = draft(slug="needling")
    response = upload(admin_client, treatment, data, "IMG_0002.JPG")
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert treatment.image.name.endswith(".jpg")
    with Image.open(treatment.image.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (600, 400))
        assert getattr(stored, "n_frames", 1) == 1
        # The first picture (teal), not the second (red).
        red, green, blue = stored.convert("RGB").getpixel((300, 200))
        assert green > red and blue > red
    assert treatment.image_renditions["jpeg"]["width"] == 600


@pytest.mark.parametrize(
    "error",
    [
        OSError("broken data stream"),
        ValueError("bad value"),
        KeyError("x"),
        SyntaxError("bad"),
        Image.DecompressionBombError("too big"),
    ],
)
def test_a_failure_after_decoding_is_refused_and_nothing_is_stored(
    admin_client, media_root, monkeypatch, error
):
    """Pillow can fail on a decoded file while turning or re-encoding it."""

    def fail(image, *args, **kwargs):
        raise error

    monkeypatch.setattr(images.ImageOps, "exif_transpose", fail)
    treatment = draft()
    response = upload(admin_client, treatment, jpeg_bytes(), "photo.jpg")
    assert response.status_code == 200
    assert field_errors(response, "image") == [images.NOT_AN_IMAGE]
    treatment.refresh_from_db()
    assert not treatment.image
    assert stored_files(media_root) == []


def test_a_failure_while_encoding_is_refused(media_root, monkeypatch):
    def fail(image, fmt, **options):
        raise OSError("encoder error -2")

    monkeypatch.setattr(images, "_encode", fail)
    with pytest.raises(images.ValidationError) as refused:
        images.process_upload(SimpleUploadedFile("a.png", png_bytes((50, 50))), "a")
    assert refused.value.messages == [images.NOT_AN_IMAGE]


def test_a_small_image_is_never_enlarged(media_root):
    processed = images.process_upload(
        SimpleUploadedFile("small.png", png_bytes((300, 200))), "small"
    )
    sizes = {(kind, w, h) for kind, w, h, _ in processed.renditions}
    assert sizes == {("webp", 300, 200), ("jpeg", 300, 200)}


def test_the_page_emits_srcset_sizes_and_dimensions(admin_client, client, media_root):
    treatment = draft(slug="needling")
    upload(admin_client, treatment, jpeg_bytes(), "photo.jpg", alt="Needles in a tray")
    publish(treatment)
    page = soup(client.get("/treatments/needling/"))
    picture = page.select_one(".page-intro picture")
    source = picture.find("source")
    assert source["type"] == "image/webp"
    assert source["srcset"].count("w,") == 2
    assert source["sizes"]
    img = picture.find("img")
    assert (img["width"], img["height"]) == ("960", "720")
    assert img["alt"] == "Needles in a tray"
    assert img["src"] == "/media/" + treatment.image_renditions["jpeg"]["name"]
    # Above the fold on its own page: not lazy.
    assert not img.has_attr("loading")


def test_cards_below_the_fold_load_lazily(admin_client, client, media_root, clinic):
    treatment = draft(slug="needling")
    upload(admin_client, treatment, jpeg_bytes(), "photo.jpg")
    publish(treatment)
    img = soup(client.get("/treatments/")).select_one(".treatment-card img")
    assert img["loading"] == "lazy"
    assert img["sizes"] and img["srcset"] and img["width"] and img["height"]


def test_pages_with_images_have_no_inline_styles_or_scripts(
    admin_client, client, media_root, clinic
):
    treatment = draft(slug="needling")
    upload(admin_client, treatment, jpeg_bytes(), "photo.jpg")
    publish(treatment)
    for url in ["/", "/treatments/", "/treatments/needling/"]:
        page = soup(client.get(url))
        assert page.select("picture img[src^='/media/']"), f"no image on {url}"
        assert page.find_all(style=True) == []
        # JSON-LD blocks are data, which the CSP allows; nothing executable.
        scripts = page.find_all("script")
        assert [s for s in scripts if s.get("type") != "application/ld+json"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/media/../settings.py",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/treatments/no-such-file.jpg",
        "/media/treatments/%00.jpg",
    ],
)
def test_media_refuses_paths_outside_or_missing(client, media_root, path):
    (media_root / "treatments").mkdir(parents=True)
    response = client.get(path)
    assert 400 <= response.status_code < 500


def test_media_is_served_in_local_mode(admin_client, client, media_root):
    treatment = draft(slug="needling")
    upload(admin_client, treatment, jpeg_bytes(), "photo.jpg")
    treatment.refresh_from_db()
    response = client.get(treatment.image.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_an_image_needs_alt_text(admin_client, media_root):
    treatment = draft()
    response = upload(admin_client, treatment, jpeg_bytes(), "photo.jpg", alt=" ")
    assert response.status_code == 200
    assert field_errors(response, "image_alt") == [
        "Describe the image for people who cannot see it."
    ]
    # Only the cleaned upload, kept for the next try (tests/test_treatment_editor.py).
    kept = [
        p.relative_to(media_root).parent.as_posix() for p in stored_files(media_root)
    ]
    assert kept == [images.KEPT_DIR]


# Refused ------------------------------------------------------------------------

full_jpeg = jpeg_bytes()
BAD_UPLOADS = {
    "not an image": (b"Just some notes, not a picture.", "notes.png", "image/png"),
    "renamed executable": (
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120 + b"MZ\x90\x00",
        "holiday.jpg",
        "image/jpeg",
    ),
    "truncated jpeg": (full_jpeg[: len(full_jpeg) // 2], "cut.jpg", "image/jpeg"),
    "svg with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "logo.svg",
        "image/svg+xml",
    ),
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "image/gif"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_bad_uploads_are_refused_and_nothing_is_stored(admin_client, media_root, case):
    data, name, content_type = BAD_UPLOADS[case]
    treatment = draft()
    response = upload(admin_client, treatment, data, name, content_type)
    assert response.status_code == 200
    assert field_errors(response, "image") == [images.NOT_AN_IMAGE]
    treatment.refresh_from_db()
    assert not treatment.image
    assert stored_files(media_root) == []


def test_a_decompression_bomb_is_refused(admin_client, media_root):
    data = png_header_only(20_000, 20_000)
    assert len(data) < 200  # the whole "image" is a header
    treatment = draft()
    response = upload(admin_client, treatment, data, "bomb.png", "image/png")
    assert response.status_code == 200
    assert field_errors(response, "image") == [
        "This image has too many pixels; images can be 6,000 × 6,000 at most."
    ]
    assert stored_files(media_root) == []


def test_a_real_bomb_between_the_limits_is_refused_not_warned(media_root):
    """Over MAX_IMAGE_PIXELS but under twice it Pillow only warns: still refused."""
    data = png_bytes((9_000, 5_000), mode="1")  # 45 M pixels in a few KB
    with pytest.raises(images.ValidationError) as refused:
        images.open_checked(SimpleUploadedFile("wide.png", data))
    # Refused by the bomb check in Image.open, before the size check.
    assert "too many pixels" in refused.value.messages[0]


def test_an_image_wider_than_6000_pixels_is_refused(admin_client, media_root):
    treatment = draft()
    data = png_bytes((6_001, 10))
    response = upload(admin_client, treatment, data, "wide.png", "image/png")
    assert field_errors(response, "image") == [
        "This image is 6,001 × 10 pixels; images can be 6,000 × 6,000 at most."
    ]
    assert stored_files(media_root) == []


def test_a_file_over_5_mb_is_refused(admin_client, media_root):
    treatment = draft()
    data = full_jpeg + b"\x00" * (5 * 1024 * 1024)
    response = upload(admin_client, treatment, data, "huge.jpg")
    assert field_errors(response, "image") == [
        "This file is 5.0 MB; images can be 5 MB at most. Export a smaller copy."
    ]
    assert stored_files(media_root) == []


def test_clearing_the_image_drops_its_renditions(admin_client, media_root):
    treatment = draft(slug="needling")
    upload(admin_client, treatment, jpeg_bytes(), "photo.jpg")
    response = post_change(admin_client, treatment, **{"image-clear": "on"})
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert not treatment.image
    assert treatment.image_renditions == {}
    assert picture(treatment) is None


# Unused files ------------------------------------------------------------------


def purge(*args):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("purge_unused_images", *args, stdout=out)
    return out.getvalue()


def test_purge_unused_images_keeps_what_pages_and_history_use(admin_client, media_root):
    treatment = draft(slug="needling")
    upload(admin_client, treatment, jpeg_bytes(color="red"), "wrong.jpg")
    first = set(stored_files(media_root))
    upload(admin_client, treatment, jpeg_bytes(color="blue"), "right.jpg")
    treatment.refresh_from_db()
    current = set(stored_files(media_root)) - first
    assert current  # the new original and its renditions

    # The first photo is still named by an earlier version: kept by default.
    assert "Deleted 0 unused" in purge()
    assert set(stored_files(media_root)) == first | current

    # A dry run lists the first photo's files and deletes nothing.
    out = purge("--ignore-history", "--dry-run")
    assert f"Would delete {len(first)} unused" in out
    assert set(stored_files(media_root)) == first | current

    assert f"Deleted {len(first)} unused" in purge("--ignore-history")
    assert set(stored_files(media_root)) == current
    page = admin_client.get(f"/treatments/{treatment.slug}/")
    assert page.status_code == 200
