"""One client, one key: the address helper shared by the enquiry rate limit and
the admin login lockout, behind one trusted proxy as in production."""

import ipaddress

import pytest
from django.test import RequestFactory

from clinic_site.client import client_ip, client_key
from enquiries.models import Enquiry
from tests.helpers import valid_enquiry_data

PROXY = "10.0.0.1"

# Every way the audit spelled 192.0.2.50 to get past its limit.
SPELLINGS_OF_192_0_2_50 = [
    "::ffff:192.0.2.50",
    "::FFFF:192.0.2.50",
    "0:0:0:0:0:ffff:c000:232",
    "[::ffff:192.0.2.50]",
    "192.0.2.50:1234",
    "[::ffff:192.0.2.50]:443",
]

# Every way of spelling 2001:db8::1.
SPELLINGS_OF_2001_DB8__1 = [
    "2001:DB8::1",
    "2001:0db8:0000:0000:0000:0000:0000:0001",
    "[2001:db8::1]",
    "[2001:db8::1]:443",
    "2001:db8::1%eth0",
    "[2001:DB8::1%eth0]:8443",
]

# Not addresses: each is treated as the proxy that passed it on.
UNREADABLE = [
    "192.0.2.050",  # leading zero: octal (192.0.2.40) to inet_aton
    "not-an-ip",
    "unknown",
    "192.0.2.256",
    "2001:db8::1::2",
    "192.0.2.50:port",
    "[192.0.2.50",
    "1.2.3.4%eth0",
    "' OR 1=1 --",
    "x" * 300,
]


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def request_from(forwarded_for, remote_addr=PROXY):
    return RequestFactory().get(
        "/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded_for
    )


@pytest.mark.parametrize("spelling", SPELLINGS_OF_192_0_2_50)
def test_every_spelling_of_an_ipv4_client_is_that_client(behind_one_proxy, spelling):
    assert client_ip(request_from(spelling)) == "192.0.2.50"
    assert client_key(request_from(spelling)) == client_key(request_from("192.0.2.50"))


@pytest.mark.parametrize("spelling", SPELLINGS_OF_2001_DB8__1)
def test_every_spelling_of_an_ipv6_client_is_that_client(behind_one_proxy, spelling):
    assert client_key(request_from(spelling)) == client_key(request_from("2001:db8::1"))


def test_an_ipv6_client_is_its_slash_64(behind_one_proxy):
    network = ipaddress.ip_network("2001:db8:1:2::/64")
    # Ten addresses spread over the network, not only its last bits.
    addresses = [str(network[1 + i * 0x1_0000_0001_0001]) for i in range(10)]
    assert len(set(addresses)) == 10
    keys = {client_key(request_from(address)) for address in addresses}
    assert keys == {client_key(request_from("2001:db8:1:2::"))}
    assert {client_ip(request_from(address)) for address in addresses} == {
        "2001:db8:1:2::"
    }


def test_the_next_slash_64_is_another_client(behind_one_proxy):
    assert client_key(request_from("2001:db8:1:2::1")) != client_key(
        request_from("2001:db8:1:3::1")
    )


@pytest.mark.parametrize("garbage", UNREADABLE)
def test_an_unreadable_forwarded_entry_is_the_proxys_client(behind_one_proxy, garbage):
    assert client_ip(request_from(garbage)) == PROXY
    assert client_key(request_from(garbage)) == client_key(request_from("", PROXY))


def test_ipv6_remote_addr_is_grouped_too(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("", remote_addr="2001:db8:1:2:aaaa::7")) == (
        "2001:db8:1:2::"
    )


def test_no_readable_address_at_all_is_one_shared_address(behind_one_proxy):
    unspecified = "0.0.0.0"  # noqa: S104 (an address here, not a bind)
    assert client_ip(request_from("garbage", remote_addr="")) == unspecified


# Through the real form: the limit holds whatever the spelling. ---------------


@pytest.fixture
def send(client, clinic, settings, django_capture_on_commit_callbacks):
    """POST a fresh enquiry from `forwarded_for` behind the proxy, limit 1."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ENQUIRY_RATE_LIMIT = 1
    sent = iter(range(1000))

    def _send(forwarded_for):
        data = valid_enquiry_data(message=f"Could it help my shoulder? ({next(sent)})")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/enquire/",
                data,
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=forwarded_for,
            )
        return response.status_code

    return _send


def test_a_limited_ipv4_client_stays_limited_however_spelled(send):
    assert send("192.0.2.50") == 302
    assert send("192.0.2.50") == 429
    answers = {spelling: send(spelling) for spelling in SPELLINGS_OF_192_0_2_50}
    assert answers == dict.fromkeys(SPELLINGS_OF_192_0_2_50, 429)
    assert Enquiry.objects.count() == 1


def test_a_limited_ipv6_client_stays_limited_however_spelled(send):
    assert send("2001:db8::1") == 302
    answers = {spelling: send(spelling) for spelling in SPELLINGS_OF_2001_DB8__1}
    assert answers == dict.fromkeys(SPELLINGS_OF_2001_DB8__1, 429)


def test_ten_addresses_from_one_slash_64_share_one_limit(send):
    answers = [send(f"2001:db8:1:2::{i:x}:{i:x}") for i in range(1, 11)]
    assert answers == [302] + [429] * 9
    assert Enquiry.objects.count() == 1


def test_unreadable_entries_share_one_limit_and_it_is_not_the_clients(send):
    assert send(UNREADABLE[0]) == 302
    answers = {garbage: send(garbage) for garbage in UNREADABLE}
    assert answers == dict.fromkeys(UNREADABLE, 429)
    # A readable client behind the same proxy is counted on its own.
    assert send("192.0.2.50") == 302
