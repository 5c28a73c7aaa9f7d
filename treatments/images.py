"""Treatment images: checked by content, stripped of metadata, and resized once
per upload into the renditions the pages use (Pillow directly; see README, "Images").

The one module that knows how images are checked, encoded, named and stored:
- `process_upload()` checks an upload and makes its cleaned original and
  renditions in memory; `store_renditions()` writes the renditions beside
  the stored original and returns what `Treatment.image_renditions` keeps;
- `picture()` reads that back for a <picture> element;
- `stored_names()` and `names_in_use()` list files for purge_unused_images.

An upload is accepted only if Pillow decodes it completely as JPEG, PNG or
WebP within the size limits; the file's name and declared type are ignored.
"""

import io
import re
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

# Pillow's name for each accepted format, and the extension it is stored with.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Formats Pillow reports for files its accepted plugins open, under the name
# they are handled as: a multi-picture JPEG from a phone camera ("MPO") is
# opened by the JPEG plugin and stored as a plain JPEG of its first picture.
FORMAT_ALIASES = {"MPO": "JPEG"}
# Where originals (Treatment.image's upload_to) and renditions are stored.
ORIGINALS_DIR = "treatments"
RENDITIONS_DIR = "treatments/renditions"
# A checked upload kept while the form it came with is corrected
# (keep_upload()): a random name in this folder, and nothing else.
KEPT_DIR = "treatments/kept"
KEPT_NAME = re.compile(r"treatments/kept/[0-9a-f]{32}\.(?:jpg|png|webp)")
KEPT_SALT = "treatments.images.kept-upload"
KEPT_MAX_AGE = 24 * 60 * 60  # seconds

# Pillow refuses images over twice this many pixels outright
# (DecompressionBombError) and warns above it; both are refused here.
Image.MAX_IMAGE_PIXELS = settings.TREATMENT_IMAGE_MAX_SIDE**2

NOT_AN_IMAGE = (
    "This file is not a JPEG, PNG or WebP image, or it is damaged. "
    "Export the photo again as JPEG and upload that."
)


@dataclass
class Picture:
    """What a <picture> element needs (templates/treatments/includes/_picture.html)."""

    src: str
    width: int
    height: int
    srcset: str
    webp_srcset: str
    alt: str


def picture(image, renditions, alt):
    """The stored renditions of `image` for a <picture> element, or None."""
    if not image or not renditions:
        return None
    url = default_storage.url
    jpeg = renditions["jpeg"]
    return Picture(
        src=url(jpeg["name"]),
        width=jpeg["width"],
        height=jpeg["height"],
        srcset=f"{url(jpeg['name'])} {jpeg['width']}w",
        webp_srcset=", ".join(
            f"{url(r['name'])} {r['width']}w" for r in renditions["webp"]
        ),
        alt=alt,
    )


@dataclass
class ProcessedImage:
    """A checked upload: the cleaned original and its renditions, in memory
    until `store_renditions()` writes them."""

    original: ContentFile
    # (format, width, height, bytes)
    renditions: list


def open_checked(upload) -> Image.Image:
    """Decode an upload fully, or raise ValidationError saying why not."""
    max_bytes = settings.TREATMENT_IMAGE_MAX_BYTES
    max_side = settings.TREATMENT_IMAGE_MAX_SIDE
    if upload.size > max_bytes:
        raise ValidationError(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; images can be "
            f"{max_bytes // 1024 // 1024} MB at most. Export a smaller copy.",
            code="too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=list(FORMATS))
            if max(image.size) > max_side:
                raise ValidationError(
                    f"This image is {image.width:,} × {image.height:,} pixels; "
                    f"images can be {max_side:,} × {max_side:,} at most.",
                    code="too_many_pixels",
                )
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"This image has too many pixels; images can be {max_side:,} × "
            f"{max_side:,} at most.",
            code="too_many_pixels",
        ) from None
    except Exception:
        # Unidentified, truncated or corrupt data: Pillow raises OSError,
        # SyntaxError, ValueError and others depending on the format.
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None
    finally:
        upload.seek(0)
    return image


# What an image's `info` may keep: palette transparency is part of the
# picture. Everything else is metadata: Pillow would write some of it back
# from `info` when saving (a JPEG's comment, from any source format).
PIXEL_INFO = {"transparency"}


def _encode(image, fmt, **options):
    buffer = io.BytesIO()
    # No `exif=`, `xmp=` or `pnginfo=`, and `info` holds no metadata
    # (_pixels_only): re-encoding strips EXIF (GPS included), XMP, comments
    # and text chunks.
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _pixels_only(image):
    """`image` with every metadata block dropped from its `info`."""
    image.info = {k: v for k, v in image.info.items() if k in PIXEL_INFO}
    return image


def _flatten(image):
    """RGB on white, for JPEG (no transparency)."""
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def process_upload(upload, stem: str) -> ProcessedImage:
    """Check an upload and make its cleaned original and renditions.

    The original is re-encoded in its own format with the EXIF orientation
    applied and every metadata block (EXIF, XMP, comments, text chunks)
    dropped; only its colour profile is kept. Renditions: WebP at each of
    TREATMENT_IMAGE_WIDTHS (never wider than the original) and one JPEG at
    TREATMENT_IMAGE_FALLBACK_WIDTH for browsers without WebP.
    """
    image = open_checked(upload)
    try:
        return _process(image, stem)
    except ValidationError:
        raise
    except Exception:
        # open_checked() decoded the file, but Pillow can still fail on it
        # while turning, converting or re-encoding it (OSError, ValueError,
        # KeyError, SyntaxError, DecompressionBombError and others, depending
        # on the format): the same refusal, and nothing has been stored.
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None


def _process(image, stem):
    fmt = FORMAT_ALIASES.get(image.format, image.format)
    if fmt not in FORMATS:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
    if getattr(image, "n_frames", 1) > 1:
        # Only the first picture of a multi-picture file is kept.
        image.seek(0)
        image = image.copy()
    # The colour profile is kept in the original (it says how to show the
    # colours; the renditions carry none).
    icc = image.info.get("icc_profile")
    image = _pixels_only(ImageOps.exif_transpose(image))
    if fmt == "JPEG":
        image = _flatten(image)
        original = _encode(image, "JPEG", quality=90, icc_profile=icc)
    elif fmt == "WEBP":
        original = _encode(image, "WEBP", quality=90, icc_profile=icc)
    else:
        original = _encode(image, "PNG", optimize=True, icc_profile=icc)

    renditions = []
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")

    def resized(width):
        width = min(width, image.width)
        height = max(1, round(image.height * width / image.width))
        return image.resize((width, height), Image.Resampling.LANCZOS)

    for width in sorted({min(w, image.width) for w in settings.TREATMENT_IMAGE_WIDTHS}):
        small = resized(width)
        data = _encode(small, "WEBP", quality=80, method=4)
        renditions.append(("webp", small.width, small.height, data))
    small = _flatten(resized(settings.TREATMENT_IMAGE_FALLBACK_WIDTH))
    data = _encode(small, "JPEG", quality=82, optimize=True, progressive=True)
    renditions.append(("jpeg", small.width, small.height, data))
    return ProcessedImage(
        original=ContentFile(original, name=f"{stem}.{FORMATS[fmt]}"),
        renditions=renditions,
    )


def new_stem(slug: str) -> str:
    """A file name stem that is new for every upload (no cache sees old bytes)."""
    return f"{slug}-{secrets.token_hex(4)}"


def store_renditions(
    processed: ProcessedImage, original_name: str, folder: str = RENDITIONS_DIR
) -> dict:
    """Write the renditions into `folder` (another app's images keep their
    own); return what `Treatment.image_renditions` keeps."""
    stem = original_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stored = {"webp": [], "jpeg": None}
    for kind, width, height, data in processed.renditions:
        name = default_storage.save(
            f"{folder}/{stem}-{width}.{'jpg' if kind == 'jpeg' else kind}",
            ContentFile(data),
        )
        entry = {"name": name, "width": width, "height": height}
        if kind == "jpeg":
            stored["jpeg"] = entry
        else:
            stored["webp"].append(entry)
    return stored


def keep_upload(processed: ProcessedImage, filename: str) -> str:
    """Store a checked upload's cleaned original while its form is corrected.

    A browser cannot fill a file input in again, so a form sent back with an
    error elsewhere would lose the chosen image. Returns a signed token for a
    hidden field naming the stored file; `kept_upload()` reads it back.
    """
    ext = processed.original.name.rsplit(".", 1)[-1]
    data = processed.original.read()
    processed.original.seek(0)
    name = default_storage.save(
        f"{KEPT_DIR}/{secrets.token_hex(16)}.{ext}", ContentFile(data)
    )
    return signing.dumps({"name": name, "filename": filename[:200]}, salt=KEPT_SALT)


def kept_upload(token: str, stem: str):
    """(ProcessedImage, the file name the editor chose) for a token from
    `keep_upload()`, or None when the token is not one the site signed, is
    over a day old, names anything but a kept upload, or its file is gone.

    The kept file is checked again as a new upload is; its renditions are made
    again and its bytes (already cleaned) are used as they are.
    """
    try:
        kept = signing.loads(token, salt=KEPT_SALT, max_age=KEPT_MAX_AGE)
    except signing.BadSignature:
        return None
    name = kept.get("name") if isinstance(kept, dict) else None
    if not isinstance(name, str) or not KEPT_NAME.fullmatch(name):
        return None
    if not default_storage.exists(name):
        return None
    with default_storage.open(name) as stored:
        data = stored.read()
    try:
        processed = process_upload(ContentFile(data, name=name), stem)
    except ValidationError:
        return None
    ext = name.rsplit(".", 1)[-1]
    processed.original = ContentFile(data, name=f"{stem}.{ext}")
    return processed, str(kept.get("filename", ""))


def discard_kept_upload(token: str) -> None:
    """Delete the file a valid `keep_upload()` token names (once it is saved)."""
    try:
        name = signing.loads(token, salt=KEPT_SALT).get("name", "")
    except (signing.BadSignature, AttributeError):
        return
    if isinstance(name, str) and KEPT_NAME.fullmatch(name):
        default_storage.delete(name)


def names_in_use(image, renditions):
    """The stored files an image and its renditions occupy."""
    names = {str(image)} if image else set()
    renditions = renditions or {}
    for entry in [*renditions.get("webp", []), renditions.get("jpeg")]:
        if entry:
            names.add(entry["name"])
    return names


def stored_names():
    """Every original and rendition file in storage."""
    names = set()
    for folder in (ORIGINALS_DIR, RENDITIONS_DIR):
        if not default_storage.exists(folder):
            continue
        _, files = default_storage.listdir(folder)
        names.update(f"{folder}/{name}" for name in files)
    return names
