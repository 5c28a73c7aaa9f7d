"""Property tests: no generated input yields a server error; a valid one is
stored exactly once, as typed."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enquiries.forms import has_visible_text
from enquiries.models import Enquiry
from tests.factories import TreatmentFactory

pytestmark = pytest.mark.django_db

# Text a browser could send: any character but lone surrogates.
any_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300)
one_line = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs", "Cc", "Zl", "Zp"],
    ),
    min_size=1,
    max_size=100,
).filter(has_visible_text)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def open_limit(settings):
    settings.ENQUIRY_RATE_LIMIT = 10_000


@FUZZ
@given(
    data=st.dictionaries(
        keys=st.sampled_from(
            [
                *Enquiry.PATIENT_FIELDS,
                "consent",
                "submission_token",
                "website",
                "unexpected",
            ]
        ),
        values=any_text,
    )
)
def test_no_form_input_causes_a_server_error(client, clinic, open_limit, data):
    before = Enquiry.objects.count()
    response = client.post("/enquire/", data)
    assert response.status_code in {200, 302}
    saved = Enquiry.objects.count() - before
    if response.status_code == 200:
        assert saved == 0
    else:
        assert saved == (0 if data.get("website") else 1)


@FUZZ
@given(
    name=one_line,
    email=st.from_regex(
        r"[a-z0-9]{1,20}(\.[a-z0-9+_-]{1,10})?@[a-z0-9]{1,20}\.(com|org|example)",
        fullmatch=True,
    ),
    message=any_text.filter(lambda s: has_visible_text(s) and "\x00" not in s),
    preferred=st.sampled_from(["email", "phone"]),
    with_treatment=st.booleans(),
)
def test_valid_input_is_stored_once_as_typed(
    client, clinic, open_limit, name, email, message, preferred, with_treatment
):
    treatment = TreatmentFactory(slug="fuzz-target")
    data = {
        "name": name,
        "email": email,
        "phone": "01632 960 001",
        "preferred_contact": preferred,
        "treatment": "fuzz-target" if with_treatment else "",
        "message": message,
        "consent": "on",
    }
    before = set(Enquiry.objects.values_list("pk", flat=True))
    response = client.post("/enquire/", data)
    assert response.status_code == 302, response.context["form"].errors
    new = Enquiry.objects.exclude(pk__in=before)
    assert new.count() == 1
    enquiry = new.get()
    assert enquiry.name == name.strip()
    assert enquiry.message == message.strip()
    assert enquiry.email.lower() == email.strip().lower()
    assert enquiry.preferred_contact == preferred
    assert enquiry.treatment == (treatment if with_treatment else None)
