"""What a report says around its numbers, as an outside reviewer read it (2026-12-06): a
direct-reference identification worded as what was compared; a closed-list run that did not
weigh unregistered relatives saying so; a rejected or flagged proposal named as such; no
"100 %"; the evidence sentence of an evidence run; the frequency table and mutation models
named; printed numbers that never round into the next level of the verbal scale."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from store_helpers import small_dataset_dict

from forensic_match.cases import case_from_dict, load_case
from forensic_match.errors import ForensicMatchWarning
from forensic_match.reports import render_report, verbal_level
from forensic_match.reports.render import format_lr, format_number, format_probability
from forensic_match.store import CaseStore, run_store


def _with_direct_reference(data: dict[str, Any]) -> dict[str, Any]:
    """The small dataset with a family whose missing man has only a direct reference (a
    personal item), and his remains typed with dropout 0.1 (the reference's profile, one
    allele lost at two markers)."""
    data = copy.deepcopy(data)
    profile = {}
    for k, m in enumerate(data["markers"]):
        a, b = m["alleles"][k % len(m["alleles"])], m["alleles"][(3 * k + 1) % len(m["alleles"])]
        profile[m["name"]] = sorted([a, b], key=float)
    remains = {k: list(v) for k, v in profile.items()}
    for name in list(remains)[:2]:
        remains[name] = [remains[name][0], remains[name][0]]
    data["am"].append({"family": "FX4", "pedigree": [
        {"id": "FX4_FA", "father": None, "mother": None, "sex": "M"},
        {"id": "FX4_MO", "father": None, "mother": None, "sex": "F"},
        {"id": "FX4_MP", "father": "FX4_FA", "mother": "FX4_MO", "sex": "M"}],
        "missing": ["FX4_MP"], "genotypes": {}, "references": {"FX4_MP": profile}})
    data["pm"].append({"id": "PMX4", "sex": "M", "genotypes": remains, "dropout": 0.1})
    return data


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("statements")
    data = _with_direct_reference(small_dataset_dict())
    path = folder / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out: dict[str, Any] = {"markers": load_case(path).markers}
    for name, options in (("default", {}), ("closed", {"relatives": 0.0}),
                          ("evidence", {"evidence": True})):
        db = folder / f"{name}.db"
        with CaseStore(db) as store:
            run_store(store, case_from_dict(copy.deepcopy(data)), dataset_path=path,
                      min_markers=8, **options)
        out[name] = db
    return out


def _page(db: Path, markers: Any, *, rule: str | None = None, family: str | None = None,
          language: str = "en") -> tuple[str, dict[str, Any]]:
    with CaseStore(db, upgrade=False) as store:
        prop = next(p for p in store.proposals()
                    if (rule is None or p["rule"] == rule)
                    and (family is None or p["family_id"] == family))
        return render_report(store, prop["proposal_id"], language=language,
                             markers=markers), prop


def _text(page: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page, re.S)
    assert m is not None, f"no #{element_id}"
    return m.group(1)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_direct_reference_report_says_what_was_compared(stores: dict[str, Any],
                                                          language: str) -> None:
    """Before: "compared with the DNA of 0 relatives", "Markers compared 0", the kinship
    propositions, no reference in the annex, relatives said to be weighed, pedigree and
    mutation limitations. Now the same-source propositions, the per-marker same-source LRs
    (recomputed; their sum is the stored total), the reference's profile and the limitation
    that applies."""
    page, prop = _page(stores["default"], stores["markers"], rule="direct reference",
                       language=language)
    same = {"en": "come from the same person", "es": "son de la misma persona"}[language]
    assert same in _text(page, "h1")
    assert "FX4_MP" in _text(page, "summary-compared")
    assert "0 relatives" not in page and "0 familiares" not in page
    assert _text(page, "n-markers") == "23"
    rows = re.findall(r'class="marker-row" data-marker="[^"]+" data-log10-lr="([^"]+)"', page)
    assert len(rows) == 23
    assert sum(float(x) for x in rows) == pytest.approx(prop["log10_lr"], abs=1e-9)
    assert 'id="recompute-differs"' not in page
    assert {"en": "Direct reference of FX4_MP",
            "es": "Referencia directa de FX4_MP"}[language] in page
    assert 'id="lim-direct"' in page and 'id="lim-relatives"' not in page
    assert 'id="checks-none"' in page and 'id="checks-single"' not in page


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_closed_list_report_does_not_claim_relatives_were_weighed(stores: dict[str, Any],
                                                                    language: str) -> None:
    """Before, a run with relatives weighted 0 printed "the final probability also weighed
    ... unregistered relatives" and "The final probability weighs it"."""
    page, _ = _page(stores["closed"], stores["markers"], rule="posterior", language=language)
    assert 'id="lim-relatives-closed"' in page and 'id="lim-relatives"' not in page
    assert {"en": "but NOT unregistered relatives",
            "es": "pero NO familiares no registrados"}[language] in _text(page,
                                                                         "alternatives-note")
    default, _ = _page(stores["default"], stores["markers"], rule="posterior",
                       language=language)
    assert 'id="lim-relatives"' in default and 'id="lim-relatives-closed"' not in default
    # the rule in the page's language (the Spanish page said "posterior")
    assert {"en": "<dd>joint posterior probability</dd>",
            "es": "<dd>probabilidad posterior conjunta</dd>"}[language] in default


def test_an_evidence_run_says_the_evidence_was_weighed(stores: dict[str, Any]) -> None:
    """Before, the run's evidence setting was looked up where runs do not record it, so an
    evidence run's report said "the LR of this report is DNA only" while its posterior
    rested on DNA x evidence."""
    with CaseStore(stores["evidence"], upgrade=False) as store:
        pid = next(p["proposal_id"] for p in store.proposals() if p["rule"] == "posterior")
        page = render_report(store, pid, language="en", markers=stores["markers"])
    assert "The run weighed them" in _text(page, "evidence-intro")
    assert "the weight of the other (non-genetic) information" in _text(page,
                                                                        "summary-posterior")
    plain, _ = _page(stores["default"], stores["markers"], rule="posterior")
    assert "DNA only" in _text(plain, "evidence-intro")


def test_rejected_and_flagged_proposals_are_named_as_such(stores: dict[str, Any],
                                                          tmp_path: Path) -> None:
    """A rejected proposal said "has not yet been approved"; a proposal flagged for a changed
    configuration said "the data of this proposal changed"."""
    import shutil

    db = tmp_path / "copy.db"
    shutil.copy(stores["default"], db)
    with CaseStore(db) as store:
        store.add_user("ana", ["reviewer"], actor="admin")
        store.add_user("berta", ["approver"], actor="admin")
        pid = store.proposals()[0]["proposal_id"]
        store.act(pid, "review", actor="ana", reason="profiles and pedigree checked")
        store.act(pid, "reject", actor="berta", reason="the AM records disagree")
        page = render_report(store, pid, language="en", markers=stores["markers"])
    assert "rejected this proposal" in _text(page, "rejected")
    assert 'id="not-approved"' not in page
    with CaseStore(db) as store:
        data = _with_direct_reference(small_dataset_dict())
        with pytest.warns(ForensicMatchWarning, match="1 pair rejected in review was kept out"):
            run_store(store, case_from_dict(data), min_markers=8, relatives=0.0)
        flagged = next(p for p in store.proposals()
                       if p["needs_review"] and p["state"] == "pending")
        page = render_report(store, flagged["proposal_id"], language="en",
                             markers=stores["markers"])
    assert "flagged for review again (configuration changed" in _text(page, "flagged")
    assert "data of this proposal changed" not in page
    # the proposal the run made on the new configuration is pointed to
    later = re.findall(r'class="warning newer" data-proposal="(\d+)"', page)
    assert later and all(int(x) > flagged["proposal_id"] for x in later)


def test_the_table_and_the_mutation_models_are_named(stores: dict[str, Any]) -> None:
    page, _ = _page(stores["default"], stores["markers"], rule="posterior")
    assert "data.json" in _text(page, "prov-table")
    assert _text(page, "prov-mutation") == "♀ equal (rate 0.0005); ♂ equal (rate 0.002)"


def test_no_probability_is_printed_as_100_percent() -> None:
    assert format_probability(1.0, "en") == "> 99.999999 %"
    assert format_probability(1.0, "es") == "> 99,999999 %"
    # truncated on the decimal digits, not on the binary float (was 99.950099 %)
    assert format_probability(0.999501, "en") == "99.950100 %"
    assert format_probability(0.0007, "en") == "0.07 %"
    assert format_probability(0.99999999999, "en") == "99.999999 %"


@given(st.floats(-4, 5.999999999, allow_nan=False))
@example(-1.998046875)   # an LR of 0.01004 was "0.0100", which reads as the next level
@example(0.001953125)    # 1.0045 was "1.00", which reads as no support
def test_a_printed_lr_stays_in_its_level_of_the_verbal_scale(x: float) -> None:
    """999,999.7 was printed "1,000,000" beside "very strong", 9.996 as "10.00" beside
    "weak": a number is now never rounded onto a power of ten it is not."""
    # within 1e-9 of a power of ten the level turns on digits no report shows (and an LR of
    # 1 + 1e-100 is 1 in floating point)
    assume(abs(x - round(x)) > 1e-9 or x == round(x))
    shown = str(format_lr(x, "en")).replace(",", "")
    value = float(shown)
    assert value > 0
    assert verbal_level(math.log10(value))[0] == verbal_level(x)[0], (x, shown)
    assert format_number(999999.7, "en") == "999,999.7"
    assert format_number(9.996, "es") == "9,996"
