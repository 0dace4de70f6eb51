"""The lab's configuration as text, and where its tools are: no server is started here.

Everything a server reads is rendered from the values below into a temporary directory:
zone files, named.conf and unbound.conf. Every address is checked to be on loopback.
This module does not import dnspython, so it can be used (and tested) anywhere.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
import shutil
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Debian package that ships each binary: named the error when one is missing.
PACKAGES = {"named": "bind9", "unbound": "unbound"}

# Daemons live in sbin directories, which an ordinary user's PATH often lacks on Debian.
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")

_PORT_ATTEMPTS = 20


class MissingTool(Exception):
    """A server binary is not installed; the message names the Debian package."""


def default_tool_path() -> str:
    """PATH followed by the usual sbin directories (colon-separated)."""
    return os.pathsep.join([os.environ.get("PATH", ""), *SBIN_DIRS])


def find_tool(name: str, tool_path: str | None = None) -> str:
    """Absolute path of the binary ``name`` found on ``tool_path`` (default: PATH + sbin).

    Raises :class:`MissingTool` with a one-line message naming the Debian package.
    """
    found = shutil.which(name, path=default_tool_path() if tool_path is None else tool_path)
    if found is None:
        package = PACKAGES.get(name, name)
        raise MissingTool(f"{name} not found: install the Debian package {package} "
                          f"(apt-get install {package})")
    return found


def check_loopback(host: str) -> str:
    """``host`` if it is an IPv4 loopback address, else ValueError: the lab never leaves 127/8."""
    if ipaddress.ip_address(host) not in ipaddress.ip_network("127.0.0.0/8"):
        raise ValueError(f"{host} is not a 127.0.0.0/8 address; the lab stays on loopback")
    return host


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on ``host`` right now (DNS needs both)."""
    check_loopback(host)
    for _ in range(_PORT_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return port
    raise OSError(f"no port free for both UDP and TCP on {host} after {_PORT_ATTEMPTS} tries")


# --- Configuration ----------------------------------------------------------------------


@dataclass(frozen=True)
class TsigKey:
    """A TSIG key (RFC 8945): named accepts an UPDATE or a zone transfer only when it is
    signed with it. One is made per run, so nothing else on the machine can write the zones."""

    name: str
    secret: str  # base64
    algorithm: str = "hmac-sha256"

    @classmethod
    def new(cls, name: str = "outage-lab-update.") -> TsigKey:
        """A fresh key with 256 random bits (the HMAC-SHA256 block size's worth, as
        tsig-keygen makes)."""
        return cls(name, base64.b64encode(secrets.token_bytes(32)).decode())

    def named_clause(self) -> str:
        return f'key "{self.name}" {{ algorithm {self.algorithm}; secret "{self.secret}"; }};\n'

    def to_file(self, path: Path) -> None:
        """Write the key for another process (the Enactors), readable by this user only."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"{self.name} {self.algorithm} {self.secret}\n")

    @classmethod
    def from_file(cls, path: Path) -> TsigKey:
        name, algorithm, secret = path.read_text().split()
        return cls(name, secret, algorithm)


@dataclass(frozen=True)
class Record:
    """One resource record: ``owner`` relative to the zone ("@" for the apex)."""

    owner: str
    rdtype: str
    rdata: str
    ttl_s: int


@dataclass(frozen=True)
class Zone:
    """A primary zone on the authoritative server.

    The negative TTL a resolver derives from it (RFC 2308) is min(``soa_ttl_s``,
    ``soa_minimum_s``); both are whole seconds because DNS TTLs are.
    """

    name: str  # absolute, with the trailing dot
    records: tuple[Record, ...] = ()
    soa_ttl_s: int = 900
    soa_minimum_s: int = 900

    @property
    def negative_ttl_s(self) -> int:
        return min(self.soa_ttl_s, self.soa_minimum_s)


def render_zone(zone: Zone, ns_host: str) -> str:
    """The master-file text of ``zone``; its one name server is ``ns.<zone>`` at ``ns_host``."""
    lines = [
        f"$ORIGIN {zone.name}",
        f"@ {zone.soa_ttl_s} IN SOA ns.{zone.name} hostmaster.{zone.name} "
        f"1 3600 600 86400 {zone.soa_minimum_s}",
        f"@ 3600 IN NS ns.{zone.name}",
        f"ns 3600 IN A {ns_host}",
    ]
    lines += [f"{r.owner} {r.ttl_s} IN {r.rdtype} {r.rdata}" for r in zone.records]
    return "\n".join(lines) + "\n"


def render_named_conf(workdir: Path, host: str, port: int, zones: Sequence[Zone],
                      key: TsigKey) -> str:
    """named.conf for an authoritative-only server on ``host:port``.

    Dynamic updates and zone transfers need a signature with ``key`` (TSIG), whoever sends
    them; no recursion, no NOTIFY, no control channel (so no rndc port), and every file it
    writes stays inside ``workdir``. Queries are logged to ``queries.log``, with UTC times to
    the millisecond, so the lab can match each one to the client question it served.
    """
    zone_blocks = "".join(
        f'zone "{z.name}" {{ type primary; file "{zone_file(z)}"; '
        f'allow-update {{ key "{key.name}"; }}; allow-transfer {{ key "{key.name}"; }}; }};\n'
        for z in zones)
    return key.named_clause() + f"""options {{
    directory "{workdir}";
    pid-file "{workdir}/named.pid";
    session-keyfile "{workdir}/session.key";
    managed-keys-directory "{workdir}";
    listen-on port {port} {{ {host}; }};
    listen-on-v6 {{ none; }};
    allow-query {{ 127.0.0.0/8; }};
    recursion no;
    notify no;
    dnssec-validation no;
    querylog yes;
}};
controls {{ }};
logging {{
    channel server_log {{ file "{workdir}/named.log"; severity info; print-time iso8601-utc; }};
    channel query_log {{ file "{workdir}/queries.log"; severity info; print-time iso8601-utc; }};
    category default {{ server_log; }};
    category queries {{ query_log; }};
}};
{zone_blocks}"""


def zone_file(zone: Zone) -> str:
    """File name of ``zone``'s master file inside the server's directory."""
    return zone.name.rstrip(".") + ".db"


def render_unbound_conf(workdir: Path, host: str, port: int, stub_zone: str,
                        stub_host: str, stub_port: int, max_negative_ttl_s: int,
                        username: str | None = None) -> str:
    """unbound.conf for a recursive resolver on ``host:port`` that knows one stub zone.

    Everything outside ``stub_zone`` is refused, outgoing queries leave from ``host`` only
    (so the authoritative's query log tells each resolver apart when each has its own
    127.0.0.x), and DNSSEC validation is off (the iterator module alone), so it never
    reaches beyond loopback. ``max_negative_ttl_s`` caps negative caching; 0 turns it off.
    QNAME minimisation is off so each client question is one query upstream (or more: an
    answer later than Unbound's retransmit timeout, 50 ms at least, makes it ask again), and
    so is case randomisation (``use-caps-for-id``): the query reaching named is spelled as the
    client spelled it, which is how the tail tells the questions apart in named's log.
    ``username``: the user it drops to after starting (None: it stays the lab's user).
    """
    return f"""server:
    interface: {host}@{port}
    outgoing-interface: {host}
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    do-not-query-localhost: no
    directory: "{workdir}"
    chroot: ""
    username: "{username or ''}"
    pidfile: "{workdir}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    so-reuseport: no
    module-config: "iterator"
    qname-minimisation: no
    use-caps-for-id: no
    prefetch: no
    serve-expired: no
    cache-max-negative-ttl: {max_negative_ttl_s}
    local-zone: "." refuse
    local-zone: "{stub_zone}" transparent
stub-zone:
    name: "{stub_zone}"
    stub-addr: {stub_host}@{stub_port}
"""
