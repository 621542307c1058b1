"""The no-DNA short list (``evidence/shortlist.py``) against a plain oracle: every pair's
``evidence_lr``, sorted, and the shares as LR over the sum of LRs; blocks merged across
several row blocks."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from forensic_match.errors import InputError
from forensic_match.evidence import Evidence, evidence_lr
from forensic_match.evidence.shortlist import shortlist
from tests.test_evidence_distinctive import _findings, _record


@pytest.mark.parametrize("seed", [1, 2])
def test_shortlist_is_the_sorted_evidence_lr(seed: int, monkeypatch) -> None:
    # Several blocks to merge (the package's ``shortlist`` is the function, not the module).
    monkeypatch.setattr(sys.modules["forensic_match.evidence.shortlist"], "BLOCK_ROWS", 4)
    rng = np.random.default_rng(seed)
    records = {}
    for k in range(15):
        rec = _record(rng, k)
        rec.family = f"F{k}"
        records[rec.id] = rec
    findings = {f.id: f for f in (_findings(rng, k) for k in range(6))}
    ev = Evidence(records, findings)
    got = shortlist(ev, top=5)
    for pm, body in findings.items():
        lrs = {m: evidence_lr(rec, body).lr for m, rec in records.items()}
        total = sum(lrs.values())
        want = sorted(lrs, key=lambda m: -lrs[m])[:5]
        mine = got.filter(got["pm"] == pm).sort("rank")
        assert mine["rank"].to_list() == list(range(1, len(want) + 1))
        for row, m in zip(mine.iter_rows(named=True), want):
            assert row["log10_score"] == pytest.approx(math.log10(lrs[m]), abs=1e-9)
            assert row["share"] == pytest.approx(lrs[row["missing"]] / total, rel=1e-9)
            assert row["family"] == records[row["missing"]].family
        # Ties may order differently; the scores in order are the oracle's.
        assert [math.log10(lrs[m]) for m in mine["missing"]] == pytest.approx(
            [math.log10(lrs[m]) for m in want], abs=1e-9)


def test_shortlist_refuses_unknown_bodies_and_bad_top() -> None:
    ev = Evidence({}, {})
    with pytest.raises(InputError, match="no PM findings for 'PM9'"):
        shortlist(ev, ["PM9"])
    with pytest.raises(InputError, match="top must be at least 1"):
        shortlist(ev, top=0)
    assert shortlist(ev).height == 0
