"""Configuration rendering and tool discovery (no server is started here)."""

import socket

import pytest

from outage.lab.config import (MissingTool, Record, TsigKey, Zone, check_loopback, find_tool,
                               free_port, render_named_conf, render_unbound_conf, render_zone)

ZONE = Zone("e.lab.test.", (Record("@", "A", "198.18.0.1", 5),), soa_ttl_s=3, soa_minimum_s=7)


# --- Unit: rendering and discovery -------------------------------------------------------


def test_zone_file_carries_the_negative_ttl_fields():
    text = render_zone(ZONE, "127.0.0.1")
    soa = next(line for line in text.splitlines() if " SOA " in line)
    assert soa.startswith("@ 3 IN SOA") and soa.endswith(" 7")
    assert "@ 5 IN A 198.18.0.1" in text
    assert ZONE.negative_ttl_s == 3  # RFC 2308: min(SOA TTL, MINIMUM)


def test_named_conf_is_loopback_only_and_updatable_with_the_runs_key_only(tmp_path):
    key = TsigKey.new()
    conf = render_named_conf(tmp_path, "127.0.0.1", 5353, [ZONE], key)
    assert "listen-on port 5353 { 127.0.0.1; };" in conf
    assert "listen-on-v6 { none; };" in conf
    # Signed updates and transfers only: an address alone (any local user) is not enough.
    assert f'allow-update {{ key "{key.name}"; }};' in conf
    assert f'allow-transfer {{ key "{key.name}"; }};' in conf
    assert f'key "{key.name}" {{ algorithm hmac-sha256; secret "{key.secret}"; }};' in conf
    assert "allow-update { 127" not in conf
    assert "recursion no;" in conf
    assert "controls { };" in conf  # no rndc channel on port 953
    assert '"/etc' not in conf and str(tmp_path) in conf


def test_each_run_has_its_own_key_and_shares_it_only_with_its_user(tmp_path):
    import base64
    import os
    import stat

    a, b = TsigKey.new(), TsigKey.new()
    assert a.secret != b.secret and len(base64.b64decode(a.secret)) == 32
    a.to_file(tmp_path / "k")
    assert stat.S_IMODE(os.stat(tmp_path / "k").st_mode) == 0o600
    assert TsigKey.from_file(tmp_path / "k") == a


def test_unbound_conf_drops_to_the_user_it_is_given(tmp_path):
    args = (tmp_path, "127.0.0.2", 5300, "lab.test.", "127.0.0.1", 5353, 0)
    assert 'username: "unbound"' in render_unbound_conf(*args, "unbound")
    assert 'username: ""' in render_unbound_conf(*args)


def test_unbound_conf_stays_on_loopback_and_caps_negative_ttl(tmp_path):
    conf = render_unbound_conf(tmp_path, "127.0.0.2", 5300, "lab.test.", "127.0.0.1", 5353, 0)
    assert "interface: 127.0.0.2@5300" in conf
    assert "outgoing-interface: 127.0.0.2" in conf
    assert "stub-addr: 127.0.0.1@5353" in conf
    assert "do-not-query-localhost: no" in conf
    assert 'local-zone: "." refuse' in conf
    assert "cache-max-negative-ttl: 0" in conf
    assert 'module-config: "iterator"' in conf  # no DNSSEC: no trust anchor, no root


def test_missing_binary_names_the_debian_package(tmp_path):
    with pytest.raises(MissingTool, match=r"^named not found: install the Debian package bind9"):
        find_tool("named", str(tmp_path))
    with pytest.raises(MissingTool, match="Debian package unbound"):
        find_tool("unbound", str(tmp_path))


@pytest.mark.parametrize("host", ["10.0.0.1", "192.168.1.1", "0.0.0.0", "8.8.8.8"])
def test_non_loopback_addresses_are_refused(host):
    with pytest.raises(ValueError, match="loopback"):
        check_loopback(host)


def test_free_port_is_free_for_udp_and_tcp():
    port = free_port("127.0.0.1")
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", port))


def test_without_the_tools_ci_fails_where_a_laptop_skips(monkeypatch):
    import lab_helpers

    def missing(name, tool_path=None):
        raise MissingTool(f"{name} not found: install the Debian package bind9")

    monkeypatch.setattr(lab_helpers, "find_tool", missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and named not found"):
        lab_helpers.skip_without_tools()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="named not found"):
        lab_helpers.skip_without_tools()


@pytest.mark.parametrize(("field", "value"), [("load_resolvers", 5), ("load_resolvers", 0),
                                              ("record_ttl_lab_s", 6), ("poll_real_s", 0.1),
                                              ("poll_real_s", 60.0)])
def test_every_tail_size_has_an_upper_and_lower_bound(field, value):
    pytest.importorskip("dns")
    from outage.lab.tail import TailSettings

    with pytest.raises(ValueError, match=rf"^{field} must be from .* \(.+\), got "):
        TailSettings(**{field: value})
    TailSettings()  # the defaults are inside every bound
