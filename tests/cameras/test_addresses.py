"""Addresses: parsing, credentials taken out of them, and networks the probe may not reach."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cameras import addresses, crypto
from cameras.addresses import STREAM_SCHEMES, WEB_SCHEMES


def test_credentials_typed_in_an_address_are_taken_out_of_it() -> None:
    address, credentials = addresses.parse(
        "rtsp://admin:m%40t-kh%C3%A2u@10.20.0.11:554/Streaming/Channels/101",
        schemes=STREAM_SCHEMES,
    )
    assert address.url == "rtsp://10.20.0.11/Streaming/Channels/101"
    assert credentials == crypto.Credentials("admin", "m@t-khâu")
    assert "admin" not in address.url


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("10.20.0.11:554/stream", "malformed"),
        ("rtsp://", "malformed"),
        ("rtsp://10.20.0.11:99999/", "malformed"),
        ("rtsp://cam era.local/", "malformed"),
        ("rtsp://-bad-.local/", "malformed"),
        ("ftp://10.20.0.11/", "unknown_scheme"),
        ("file:///etc/passwd", "unknown_scheme"),
        ("http://10.20.0.11/snap.jpg", "unknown_scheme"),
        ("rtsp://10.20.0.11/#frag", "malformed"),
        ("rtsp://" + "a" * 600, "too_long"),
    ],
)
def test_a_malformed_address_is_refused_with_a_reason(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        addresses.parse(value, schemes=STREAM_SCHEMES)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "metadata"),
        ("169.254.10.1", "link_local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("224.0.0.251", "multicast"),
    ],
)
def test_special_addresses_are_refused_even_inside_an_allowed_network(ip: str, reason: str) -> None:
    allowed = addresses._networks(("0.0.0.0/0", "::/0"))
    assert addresses.refusal(ipaddress.ip_address(ip), allowed) == reason


@pytest.mark.parametrize("ip", ["192.168.1.10", "8.8.8.8", "10.21.0.1"])
def test_addresses_outside_the_camera_networks_are_refused(ip: str) -> None:
    allowed = addresses._networks(("10.20.0.0/16",))
    assert addresses.refusal(ipaddress.ip_address(ip), allowed) == "not_allowed"


def test_an_explicit_entry_allows_loopback_but_not_metadata() -> None:
    allowed = addresses._networks(("127.0.0.0/8", "169.254.0.0/16", "10.20.0.0/16"))
    assert addresses.refusal(ipaddress.ip_address("127.0.0.1"), allowed) == ""
    assert addresses.refusal(ipaddress.ip_address("10.20.3.4"), allowed) == ""
    # Listing all of link-local does not open the metadata service: it needs its own entry.
    assert addresses.refusal(ipaddress.ip_address("169.254.169.254"), allowed) == "metadata"
    assert addresses.refusal(ipaddress.ip_address("10.21.0.1"), allowed) == "not_allowed"


def test_the_portals_own_addresses_are_refused(settings) -> None:
    settings.CAMERA_OWN_ADDRESSES = ["10.20.0.5"]
    allowed = addresses._networks(("10.20.0.0/16",))
    assert addresses.refusal(ipaddress.ip_address("10.20.0.5"), allowed) == "own_host"
    explicit = addresses._networks(("10.20.0.0/16", "10.20.0.5/32"))
    assert addresses.refusal(ipaddress.ip_address("10.20.0.5"), explicit) == ""


def test_a_host_name_is_checked_by_what_it_resolves_to(settings) -> None:
    settings.CAMERA_NETWORKS = ["10.20.0.0/16"]
    address, _c = addresses.parse("http://localhost:8080/snap.jpg", schemes=WEB_SCHEMES)
    with pytest.raises(ValidationError) as caught:
        addresses.checked_ip(address)
    assert caught.value.code == "refused_network"
    address, _c = addresses.parse("http://no-such-camera.invalid/snap.jpg", schemes=WEB_SCHEMES)
    with pytest.raises(ValidationError) as caught:
        addresses.checked_ip(address)
    assert caught.value.code == "unresolvable"


def test_default_networks_refuse_loopback(settings) -> None:
    settings.CAMERA_NETWORKS = None
    address, _c = addresses.parse("rtsp://127.0.0.1:8554/", schemes=STREAM_SCHEMES)
    with pytest.raises(ValidationError):
        addresses.checked_ip(address)
    address, _c = addresses.parse("rtsp://10.20.1.2:8554/", schemes=STREAM_SCHEMES)
    assert str(addresses.checked_ip(address)) == "10.20.1.2"


def test_credentials_are_encrypted_masked_and_rotatable(settings) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CAMERA_CREDENTIALS_KEY = old
    token = crypto.encrypt(crypto.Credentials("admin", "bí-mật-123"))
    assert "admin" not in token and "bí" not in token
    assert crypto.decrypt(token) == crypto.Credentials("admin", "bí-mật-123")
    assert crypto.Credentials("admin", "bí-mật-123").masked == "a••• / ••••••"
    settings.CAMERA_CREDENTIALS_KEY = f"{new},{old}"
    rotated = crypto.rotate(token)
    settings.CAMERA_CREDENTIALS_KEY = new
    assert crypto.decrypt(rotated).password == "bí-mật-123"
    assert crypto.decrypt(token) == crypto.Credentials()  # the old key is gone


def test_production_without_a_key_refuses_to_store_credentials(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.DEBUG = False
    settings.CAMERA_CREDENTIALS_KEY = None
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(crypto.Credentials("admin", "x"))


@given(st.text(max_size=200))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_text_is_either_an_address_or_a_clear_refusal(text: str) -> None:
    for schemes in (STREAM_SCHEMES, WEB_SCHEMES):
        try:
            address, _credentials = addresses.parse(text, schemes=schemes)
        except ValidationError as exc:
            assert exc.messages and exc.code
        else:
            assert address.scheme in schemes and address.host
            assert "@" not in address.url.split("/")[2]
            # What was kept parses again to the same camera.
            assert addresses.parse(address.url, schemes=schemes)[0].key == address.key
