"""The committed measurements in data/lab say what the lab's tests check live (no tools needed)."""

from outage.lab.report import load_committed, race_account, replay_outline, tail_account


def test_committed_race_verdicts():
    result = load_committed("race")
    verdicts = {v["variant"]: (v["record_emptied"], v["refused_rcodes"], v["matches_model"])
                for v in result["variants"]}
    assert verdicts == {
        "incident": (True, [], True),
        "conditional-write": (False, ["NXRRSET"], True),
        "lock": (True, [], True),
        "lock+conditional-write": (False, ["NXRRSET"], True),
    }
    outline = replay_outline(result)
    assert [len(v["steps"]) for v in outline] == [9, 9, 12, 12]
    assert "DIFFERS" not in race_account(result)


def test_committed_tail_agrees_with_the_model():
    result = load_committed("tail")
    assert result["agrees_with_model"] and result["scale"] == 100.0
    assert [r["neg_ttl_real_s"] for r in result["settings"]] == [300, 600, 900]
    for row in result["settings"]:
        assert row["agrees"] and row["rule_ok"]
        assert len(row["clients"]) == result["resolvers"]
    load = result["load"]
    assert load["uncached"]["authoritative_queries"] == load["uncached"]["client_queries"]
    assert "Verdict: the measurements agree with the model" in tail_account(result)
