"""Who is asking: one key per client behind the trusted proxies, however spelled."""

import hashlib
import hmac
import ipaddress
import re

from django.conf import settings

# A host with a port: "[2001:db8::1]:443", "[2001:db8::1]", "192.0.2.50:1234".
BRACKETED = re.compile(r"\[([^\]]*)\](?::[0-9]{1,5})?")
IPV4_WITH_PORT = re.compile(r"([0-9.]+):[0-9]{1,5}")

# An IPv6 client (a home, an office, a phone) is given a whole /64 and may use
# any address in it, so the /64 is one client.
IPV6_CLIENT_PREFIX = 64

# No readable address at all (e.g. gunicorn on a unix socket): one shared key,
# still an address, so axes' IP column on PostgreSQL accepts it.
UNKNOWN_CLIENT = ipaddress.IPv4Address(0)  # 0.0.0.0


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in one X-Forwarded-For entry or REMOTE_ADDR, or None.

    Takes brackets, a port, a zone id (``fe80::1%eth0``) and any case; an
    IPv4-mapped IPv6 address (``::ffff:192.0.2.50``) is its IPv4 address.
    IPv4 with leading zeros (``192.0.2.050``: octal to some parsers) is not an
    address, as Python's ``ipaddress`` decides.
    """
    value = value.strip()
    port = BRACKETED.fullmatch(value) or IPV4_WITH_PORT.fullmatch(value)
    if port:
        value = port.group(1)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return address.ipv4_mapped
        address = ipaddress.IPv6Address(int(address))  # without the zone id
    return address


def client_ip(request) -> str:
    """The client, for the enquiry rate limit (client_key) and the admin login
    lockout (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind N trusted proxies (DJANGO_TRUSTED_PROXY_COUNT) the client is the
    Nth entry from the right of X-Forwarded-For; with fewer entries, or
    without proxies, it is REMOTE_ADDR. An IPv4 client is its address; an
    IPv6 client is its /64, named by the network's first address
    (``2001:db8:1:2::`` for ``2001:db8:1:2::/64``), a plain address because
    axes stores it in an IP column.

    An entry that is not an address is not a client: the answer is
    REMOTE_ADDR, the proxy that passed it on. Every unreadable spelling then
    shares that one key, so varying the garbage never buys a fresh limit;
    refusing the request instead would lose what a patient typed.
    """
    address = None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = parse_address(forwarded[-proxies])
    if address is None:
        address = parse_address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_CLIENT
    if address.version == 6:
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        address = network.network_address
    return str(address)


def client_key(request) -> str:
    """A keyed hash of client_ip: rate-limits without storing the address."""
    return hmac.new(
        settings.SECRET_KEY.encode(), client_ip(request).encode(), hashlib.sha256
    ).hexdigest()
