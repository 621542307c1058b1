"""A closed list and the unregistered relative the data show (``dvi/closed_list.py``).

An outside check (2026-12-07, fifth session): the missing son's only reference is his
brother; the son's body was not recovered, their unregistered father's was. A closed list
identified the father as the son at posterior ~1 in 12 of 12 worlds with no word; the open
analysis of the same data rated the father 2.4 to 3,332 times as likely.
"""

from __future__ import annotations

import warnings

import pytest

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.closed_list import CLOSED_LIST_RATIO  # noqa: F401 (named above)
from forensic_match.dvi.identify import identify
from forensic_match.errors import ForensicMatchWarning
from forensic_match.pedigree import Pedigree
from forensic_match.simulate import simulate_profiles

#: The household: father FA, mother MO, the missing son MP and his brother B (the reference).
HOUSE = [("FA", None, None, "M"), ("MO", None, None, "F"), ("MP", "FA", "MO", "M"),
         ("B", "FA", "MO", "M")]


def _run(markers, body: str, typed: list[str], seed: int, **options):
    prof = simulate_profiles(Pedigree.from_records(HOUSE), markers, seed=seed,
                             typed=[*typed, body])
    fam = Family("F1", Pedigree.from_records(HOUSE), ["MP"], {t: prof[t] for t in typed})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = identify([fam], [PMSample("X1", "M", prof[body])], markers, **options)
    return res, [str(w.message) for w in caught if issubclass(w.category, ForensicMatchWarning)]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_closed_list_cautions_a_body_an_unregistered_relative_fits_better(markers, seed):
    """The brother the only reference, the body the father: the closed list still proposes
    him as the son (that is its model), and the proposal's reason and a warning now say that
    an unregistered father fits the body better; the open analysis proposes nothing."""
    res, said = _run(markers, "FA", ["B"], seed, closed=True)
    ids = res.identifications
    assert ids["missing"].to_list() == ["MP"] and ids["posterior"][0] >= 0.9995
    reason = ids["reason"][0]
    assert "closed list: an unregistered father of MP fits this body" in reason
    assert any("the data say the list may not be closed" in w and "X1 as MP of F1" in w
               for w in said)
    open_run, _ = _run(markers, "FA", ["B"], seed)
    assert open_run.identifications.height == 0


def test_a_closed_list_with_the_true_body_is_not_cautioned(markers):
    """Parents typed, the body the son: his unregistered full brother ties with him (ratio 1,
    below :data:`CLOSED_LIST_RATIO`): the list's being closed is what tells them apart, and
    nothing is said."""
    res, said = _run(markers, "MP", ["FA", "MO"], 3, closed=True)
    assert res.identifications["missing"].to_list() == ["MP"]
    assert "closed list:" not in res.identifications["reason"][0]
    assert not any("may not be closed" in w for w in said)


def test_solve_says_its_warnings_and_what_its_tables_assume(markers, tmp_path):
    """``solve --closed`` on the same household as a dataset: the JSON carries the closed-list
    warning (it was on standard error only) and the note that dvir's tables assume a closed
    list; the identification's reason carries the caution."""
    import json

    from click.testing import CliRunner

    from forensic_match.cases import DviDataset, save_case
    from forensic_match.cli import _CLOSED_TABLES_NOTE, main

    ped = Pedigree.from_records(HOUSE)
    prof = simulate_profiles(ped, markers, seed=1, typed=["B", "FA"])
    path = tmp_path / "house.json"
    save_case(DviDataset("house", list(markers), [PMSample("X1", "M", prof["FA"])],
                         [Family("F1", ped, ["MP"], {"B": prof["B"]})]), path)
    result = CliRunner().invoke(main, ["solve", str(path), "--closed"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert _CLOSED_TABLES_NOTE in out["notes"]
    assert any("may not be closed" in w for w in out["warnings"])
    assert [r["missing"] for r in out["identifications"]] == ["MP"]
    assert "closed list: an unregistered father of MP" in out["identifications"][0]["reason"]


def test_a_mutation_alone_does_not_caution_a_right_identification(markers):
    """The mother the only reference, the body her son with one mutation from her (a marker
    where he carries neither of her alleles): her father (a male meiosis, four times the
    female rate) or her sibling (no mutation at all) fits that marker better, and at a
    factor of 2 the right identification was cautioned (a second outside check: 25 of 57).
    Where the missing person's fit needs a mutation the caution needs a factor of 100."""
    from forensic_match.dvi.identify import identify as run

    ped = Pedigree.from_records(HOUSE)
    prof = simulate_profiles(ped, markers, seed=4, typed=["MO", "MP"])
    son = dict(prof["MP"])
    marker = next(m for m in markers if len(set(prof["MO"][m.name])) == 2
                  and any(a not in prof["MO"][m.name] for a in son[m.name]))
    mother = set(prof["MO"][marker.name])
    other = next(a for a in son[marker.name] if a not in mother)  # from the father
    new = next(a for a in marker.alleles if a not in mother and a != other)
    son[marker.name] = (other, new)   # her allele mutated to one neither parent has
    fam = Family("F1", ped, ["MP"], {"MO": prof["MO"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run([fam], [PMSample("X1", "M", son)], markers, closed=True)
    assert res.identifications["missing"].to_list() == ["MP"]
    assert res.identifications["n_inconsistent"][0] == 1
    assert "closed list:" not in res.identifications["reason"][0]
