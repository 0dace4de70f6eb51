"""The negative-caching tail measured through real Unbound, against the DNS model."""

import pytest

from outage.lab.report import tail_account

pytestmark = pytest.mark.lab

RESOLVERS = 4


@pytest.fixture(scope="module")
def tail(module_lab):
    """One `lab tail --json` run at 200 s and 300 s negative TTL, 1:100 (about 15 s)."""
    status, result, stderr = module_lab("tail", "--json", "--neg-ttl", "200,300",
                                        "--resolvers", str(RESOLVERS))
    assert status in (0, 1), stderr
    return result


def test_every_client_recovers_when_its_resolvers_entry_expires(tail):
    for row in tail["settings"]:
        assert row["rule_ok"], row["clients"]
        for c in row["clients"]:
            # Fetched before the fix, within one negative TTL of it; back after the fix.
            assert -row["neg_ttl_lab_s"] <= c["fetched_s"] < 0
            assert 0 <= c["recovered_s"] <= row["neg_ttl_lab_s"] + 1 + 0.2


def test_measured_tail_agrees_with_the_dns_model(tail):
    assert tail["agrees_with_model"]
    for row in tail["settings"]:
        assert row["agrees"]
        assert abs(row["measured"]["all_s"] - row["model"]["all_s"]) <= tail["tolerance_lab_s"]


def test_longer_negative_ttl_gives_a_longer_tail(tail):
    lasts = [row["measured"]["all_s"] for row in tail["settings"]]
    assert [row["neg_ttl_lab_s"] for row in tail["settings"]] == [2, 3]
    assert lasts[0] < lasts[1]


def test_each_caching_resolver_asks_named_twice(tail):
    # Once for the empty answer before the fix, once for the address after it expired.
    for row in tail["settings"]:
        assert row["authoritative_queries"] == 2 * RESOLVERS


def test_negative_caching_shields_the_authoritative(tail):
    load = tail["load"]
    low, high = load["expected_cached"]
    assert low <= load["cached"]["authoritative_queries"] <= high
    # Without negative caching every client query goes through to named.
    assert load["uncached"]["authoritative_queries"] == load["uncached"]["client_queries"]
    assert load["uncached"]["authoritative_queries"] > 20 * load["cached"]["authoritative_queries"]
    assert load["agrees"]


def test_bad_settings_are_one_line_errors(lab):
    status, _, stderr = lab("tail", "--neg-ttl", "250", "--scale", "100")
    assert status == 2
    assert stderr.strip().splitlines() == [
        "error: negative TTL 250 s at scale 100 is 2.5 lab seconds; it must be a whole number "
        "from 1 to 30 (DNS TTLs are whole seconds; 30 bounds the run time)"]


def test_readable_account_shows_each_setting_and_the_counts(tail):
    text = tail_account(tail)
    assert "   200 s ->  2 s lab" in text and "   300 s ->  3 s lab" in text
    assert "without negative caching:" in text and "(every one)" in text
    assert "Verdict: the measurements agree with the model" in text
