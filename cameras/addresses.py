"""Camera addresses: parsing, credentials typed inside them, and the network allow-list.

A camera address reaches into the village network from the portal's server, so the registry
must not become a way to reach other things: only networks listed in ``CAMERA_NETWORKS`` are
accepted, and loopback, link-local (cloud metadata included), unspecified, multicast and the
portal's own addresses are refused even inside a listed network unless a listed network lies
wholly within that range (an explicit "yes, probe 127.0.0.0/8"). Host names are resolved once
and every address they resolve to is checked; the probe then connects to the checked address,
never resolving again (no DNS rebinding).
"""

import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cameras import conf
from cameras.crypto import Credentials

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

STREAM_SCHEMES = ("rtsp", "rtsps")
WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}
MAX_LENGTH = 500

# Ranges refused unless explicitly allowed: (network, reason code).
SPECIAL_RANGES: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(cidr), reason)
    for cidr, reason in (
        ("127.0.0.0/8", "loopback"),
        ("::1/128", "loopback"),
        ("169.254.0.0/16", "link_local"),
        ("fe80::/10", "link_local"),
        ("fd00:ec2::254/128", "metadata"),
        ("100.100.100.200/32", "metadata"),
        ("0.0.0.0/8", "unspecified"),
        ("::/128", "unspecified"),
        ("224.0.0.0/4", "multicast"),
        ("ff00::/8", "multicast"),
        ("255.255.255.255/32", "broadcast"),
    )
)
METADATA = ipaddress.ip_address("169.254.169.254")


@dataclass(frozen=True)
class Address:
    """A parsed camera address, without credentials."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as typed

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = DEFAULT_PORTS.get(self.scheme)
        netloc = host if self.port == default else f"{host}:{self.port}"
        path, _sep, query = self.path.partition("?")
        return urlunsplit((self.scheme, netloc, path, query, ""))

    @property
    def key(self) -> str:
        """What makes two addresses the same camera: scheme, host, port and path, in lower case."""
        return f"{self.scheme}://{self.host.lower()}:{self.port}{self.path}"


def parse(value: str, *, schemes: tuple[str, ...]) -> tuple[Address, Credentials]:
    """Split ``value`` into the address and any user:password typed inside it."""
    text = (value or "").strip()
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            _("An address is at most %(max)d characters long."),
            params={"max": MAX_LENGTH},
            code="too_long",
        )
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise ValidationError(_("An address cannot contain spaces."), code="malformed")
    try:
        parts: SplitResult = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise ValidationError(
            _("“%(value)s” is not a valid address."), params={"value": text[:80]}, code="malformed"
        ) from exc
    scheme = (parts.scheme or "").lower()
    if not scheme or "://" not in text:
        raise ValidationError(
            _("Write the whole address with its scheme, for example %(example)s."),
            params={"example": f"{schemes[0]}://10.20.0.11:554/stream1"},
            code="malformed",
        )
    if scheme not in schemes:
        raise ValidationError(
            _("Unknown scheme “%(scheme)s”: use %(schemes)s."),
            params={"scheme": scheme[:20], "schemes": ", ".join(f"{s}://" for s in schemes)},
            code="unknown_scheme",
        )
    if not host:
        raise ValidationError(_("The address has no host."), code="malformed")
    if port == 0:
        raise ValidationError(_("The port must be between 1 and 65535."), code="malformed")
    if parts.fragment:
        raise ValidationError(_("An address cannot contain “#”."), code="malformed")
    _check_host_syntax(host)
    credentials = Credentials(
        username=unquote(parts.username or ""), password=unquote(parts.password or "")
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    address = Address(scheme=scheme, host=host, port=port or DEFAULT_PORTS[scheme], path=path)
    return address, credentials


def _check_host_syntax(host: str) -> None:
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    ok = all(
        0 < len(label) <= 63
        and all(c.isalnum() or c == "-" for c in label)
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )
    if not ok or len(host) > 253 or host.replace(".", "").isdigit():
        raise ValidationError(
            _("“%(host)s” is not a valid host name or IP address."),
            params={"host": host[:80]},
            code="malformed",
        )


def with_credentials(address: Address, credentials: Credentials) -> str:
    """The URL with credentials, for the server-side client only; never rendered."""
    if not credentials:
        return address.url
    parts = urlsplit(address.url)
    userinfo = quote(credentials.username, safe="")
    if credentials.password:
        userinfo += ":" + quote(credentials.password, safe="")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))


# ---------------------------------------------------------------------------------------
# Networks


def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError as exc:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(f"CAMERA_NETWORKS: {cidr!r} is not a network") from exc
    return tuple(networks)


@lru_cache(maxsize=1)
def _host_addresses() -> frozenset[IPAddress]:
    """The addresses this machine answers on, as far as the resolver knows them."""
    found: set[IPAddress] = set()
    for name in {socket.gethostname(), socket.getfqdn()}:
        try:
            for info in socket.getaddrinfo(name, None):
                found.add(ipaddress.ip_address(info[4][0].split("%")[0]))
        except (OSError, ValueError):
            continue
    return frozenset(found)


def own_addresses() -> frozenset[IPAddress]:
    extra = set()
    for value in conf.own_addresses():
        try:
            extra.add(ipaddress.ip_address(value))
        except ValueError:
            continue
    return _host_addresses() | extra


def refusal(ip: IPAddress, allowed: tuple[IPNetwork, ...] | None = None) -> str:
    """Why ``ip`` may not be probed ("" if it may)."""
    allowed = _networks(conf.networks()) if allowed is None else allowed
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped

    def explicit(special: IPNetwork) -> bool:
        return any(
            ip in network and network.version == special.version and network.subnet_of(special)  # type: ignore[arg-type]
            for network in allowed
        )

    if ip == METADATA:
        single = ipaddress.ip_network(f"{ip}/32")
        return "" if explicit(single) else "metadata"
    special_hit = False
    for special, reason in SPECIAL_RANGES:
        if ip in special:
            if not explicit(special):
                return reason
            special_hit = True
    if not any(ip in network for network in allowed):
        return "not_allowed"
    if not special_hit and ip in own_addresses():
        single = ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}")
        if not explicit(single):
            return "own_host"
    return ""


def refusal_text(reason: str, ip: object) -> str:
    messages = {
        "not_allowed": _("The address %(ip)s is not on an allowed camera network."),
        "loopback": _("The address %(ip)s is this server itself (loopback) and is refused."),
        "link_local": _("The address %(ip)s is link-local and is refused."),
        "metadata": _("The address %(ip)s is a cloud metadata service and is refused."),
        "unspecified": _("The address %(ip)s is not a real host address."),
        "multicast": _("The address %(ip)s is a multicast or broadcast address."),
        "broadcast": _("The address %(ip)s is a multicast or broadcast address."),
        "own_host": _("The address %(ip)s belongs to the portal's own server and is refused."),
    }
    return messages.get(reason, messages["not_allowed"]) % {"ip": ip}


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal is itself), without duplicates."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ValidationError(
            _("The host name “%(host)s” could not be found."),
            params={"host": host[:80]},
            code="unresolvable",
        ) from exc
    seen: dict[str, IPAddress] = {}
    for info in infos:
        text = str(info[4][0]).split("%")[0]
        seen.setdefault(text, ipaddress.ip_address(text))
    return list(seen.values())


def checked_ip(address: Address) -> IPAddress:
    """The address to connect to: resolved once, every resolution on an allowed network."""
    ips = resolve(address.host, address.port)
    allowed = _networks(conf.networks())
    for ip in ips:
        reason = refusal(ip, allowed)
        if reason:
            raise ValidationError(refusal_text(reason, ip), code="refused_network")
    if not ips:
        raise ValidationError(
            _("The host name “%(host)s” could not be found."),
            params={"host": address.host[:80]},
            code="unresolvable",
        )
    return ips[0]
