"""A patient's details are kept in their enquiry's row and nowhere else.

One enquiry with a unique name, email, phone and message goes the whole way:
sent through the form, the clinic notified, opened, changed, noted and
exported by staff, counted in the digest, looked up as a data request. Then
every table of the database (read with raw SQL, so tables without a model
count too; sessions decoded), every log line and every email is searched for
each detail. Each is found in the enquiry's own row only.
"""

import contextlib
import json
import logging
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from enquiries import services
from enquiries.models import Enquiry
from tests.helpers import (
    ENQUIRY_CHANGELIST,
    admin_change_url,
    post_change,
    valid_enquiry_data,
)

pytestmark = pytest.mark.django_db

NAME = "Quillon Vexworthy"
EMAIL = "q.vexworthy.7f3a@example.com"
PHONE = "07700 900 613"
MESSAGE = "Xyloglossic twinges in my left heel since the Zorbington fun run"
DETAILS = {
    "name": NAME,
    "first name": "Quillon",
    "last name": "Vexworthy",
    "email": EMAIL,
    "email's user part": "q.vexworthy.7f3a",
    "phone": PHONE,
    "phone's digits": "07700900613",
    "message": MESSAGE,
    "message's rare word": "Xyloglossic",
    "message's other rare word": "Zorbington",
}
# What staff write holds none of the patient's details.
NOTE = "Rang back, left a voicemail; try again on Thursday."
ENQUIRY_TABLE = Enquiry._meta.db_table


def text_of(value):
    """A stored value as text to search: bytes decoded, JSON as written."""
    if value is None:
        return ""
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def database_cells():
    """(table, column, row's id, text) for every cell of every table.

    Session data is signed and encoded: it is decoded, so a detail put into
    a session would be found too.
    """
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            # A table name from the database itself, quoted: no user input.
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                values = dict(zip(columns, row, strict=True))
                row_id = values.get("id")
                for column, value in values.items():
                    yield table, column, row_id, text_of(value)
                if table == "django_session":
                    decoded = SessionStore().decode(values["session_data"])
                    yield table, "session_data (decoded)", row_id, text_of(decoded)


def where(detail, cells):
    return {
        (table, column, row_id)
        for table, column, row_id, text in cells
        if detail.casefold() in text.casefold()
    }


@contextlib.contextmanager
def every_log_line(caplog):
    """Capture every logger at DEBUG, Django's own (INFO by default) too."""
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, "django"):
        yield


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=out)
    return out.getvalue()


def test_a_patients_details_are_only_in_their_enquirys_row(
    client, admin_client, clinic, caplog, django_capture_on_commit_callbacks
):
    """`client` is the patient's browser; `admin_client` a superuser's admin
    session that has passed both sign-in steps."""
    staff_client = admin_client
    responses = []
    printed = []
    with every_log_line(caplog):
        # The patient sends the enquiry through the real form.
        with django_capture_on_commit_callbacks(execute=True):
            sent = client.post(
                "/enquire/",
                valid_enquiry_data(
                    name=NAME,
                    email=EMAIL,
                    phone=PHONE,
                    preferred_contact="phone",
                    message=MESSAGE,
                ),
            )
        assert sent.status_code == 302, sent.content.decode()[:500]
        responses += [sent, client.get(sent.url)]
        enquiry = Enquiry.objects.get()

        # The clinic is told.
        assert services.enquiries_notify_pending() == (1, 0)

        # Staff open it, change its status and add a note, export it.
        responses.append(staff_client.get(admin_change_url(enquiry)))
        changed = post_change(
            staff_client, enquiry, status="contacted", **{"notes-0-text": NOTE}
        )
        assert changed.status_code == 302
        responses.append(changed)
        exported = staff_client.post(
            f"{ENQUIRY_CHANGELIST}?queue=all",
            {"action": "export_csv", "_selected_action": [enquiry.pk]},
        )
        assert exported["Content-Type"] == "text/csv; charset=utf-8"
        assert MESSAGE in exported.content.decode("utf-8-sig")
        responses.append(exported)

        # A superuser answers a data request (a copy, not an erasure).
        data_request = reverse("admin:enquiries_enquiry_data_request_export")
        copy = staff_client.post(
            data_request,
            {"email": EMAIL, "phone": "", "enquiries": [enquiry.pk], "format": "json"},
        )
        assert json.loads(copy.content)["enquiries"][0]["message"] == MESSAGE
        responses.append(copy)

        # The daily digest and the sender's next pass.
        printed.append(run("send_enquiry_digest"))
        printed.append(run("send_pending_notifications"))

    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CONTACTED
    assert [note.text for note in enquiry.notes.all()] == [NOTE]
    assert len(mail.outbox) == 2  # the notification and the digest

    cells = list(database_cells())
    # The walk reads what it should: the details are in the enquiry's row,
    # and the decoded session holds the reference the thanks page shows.
    assert where(NAME, cells) == {(ENQUIRY_TABLE, "name", enquiry.pk)}
    assert ("django_session", "session_data (decoded)", None) in where(
        enquiry.reference, cells
    )
    for label, detail in DETAILS.items():
        elsewhere = {
            (table, column)
            for table, column, row_id in where(detail, cells)
            if not (table == ENQUIRY_TABLE and row_id == enquiry.pk)
        }
        assert not elsewhere, f"the patient's {label} is also in {sorted(elsewhere)}"
    assert where(EMAIL, cells) == {(ENQUIRY_TABLE, "email", enquiry.pk)}
    assert where(PHONE, cells) == {(ENQUIRY_TABLE, "phone", enquiry.pk)}
    assert where(MESSAGE, cells) == {(ENQUIRY_TABLE, "message", enquiry.pk)}

    log_lines = "\n".join(
        [record.getMessage() for record in caplog.records] + [caplog.text]
    )
    assert log_lines  # the walk saw the requests' log lines
    emails = [
        "\n".join(
            [
                message.subject,
                message.body,
                message.from_email,
                *message.recipients(),
                *message.reply_to,
                json.dumps(message.extra_headers),
                *(text_of(content) for content, _ in message.alternatives),
                *(text_of(attachment) for attachment in message.attachments),
            ]
        )
        for message in mail.outbox
    ]
    addresses = [
        response.get("Location", "") + response.wsgi_request.get_full_path()
        for response in responses
    ]
    for label, detail in DETAILS.items():
        folded = detail.casefold()
        assert folded not in log_lines.casefold(), f"the {label} is in a log line"
        for email in emails:
            assert folded not in email.casefold(), f"the {label} is in an email"
        for output in printed:
            assert folded not in output.casefold(), f"a command printed the {label}"
        for address in addresses:
            assert folded not in address.casefold(), f"the {label} is in a URL"
