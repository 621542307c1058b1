"""Who shares a missing person's Y and mtDNA lines, and how many meioses apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from strategies import random_records

from forensic_match.errors import PedigreeError
from forensic_match.lineage.lines import lineage_links
from forensic_match.pedigree import (
    Pedigree,
    avuncular,
    first_cousins,
    grandparent,
    half_siblings,
    parent_child,
)


def _links(ped: Pedigree, missing: str, line: str, among: list[str]) -> dict[str, int]:
    return {x.relative: x.meioses for x in lineage_links(ped, missing, line, among=among)}


def test_paternal_uncle_shares_the_y_line_three_meioses_away_not_the_mtdna():
    ped = avuncular(uncle="UN", nephew="MP", paternal=True)
    assert _links(ped, "MP", "Y", ["UN"]) == {"UN": 3}
    assert _links(ped, "MP", "mtDNA", ["UN"]) == {}


def test_maternal_uncle_shares_the_mtdna_line_not_the_y():
    ped = avuncular(uncle="UN", nephew="MP", paternal=False)
    assert _links(ped, "MP", "Y", ["UN"]) == {}
    assert _links(ped, "MP", "mtDNA", ["UN"]) == {"UN": 3}
    link = lineage_links(ped, "MP", "mtDNA", among=["UN"])[0]
    assert link.ancestor == "MP_mother_mother" or ped.sex_of(link.ancestor) == "F"


def test_cousins_through_two_brothers_share_y_four_meioses_apart():
    ped = first_cousins(ids=("MP", "CO"), parent_sexes=("M", "M"))
    assert _links(ped, "MP", "Y", ["CO"]) == {"CO": 4}
    assert _links(ped, "MP", "mtDNA", ["CO"]) == {}


def test_cousins_through_two_sisters_share_mtdna_four_meioses_apart():
    ped = first_cousins(ids=("MP", "CO"), parent_sexes=("F", "F"), sexes="F")
    assert _links(ped, "MP", "mtDNA", ["CO"]) == {"CO": 4}
    with pytest.raises(PedigreeError, match="'MP' is female: there is no Y line"):
        lineage_links(ped, "MP", "Y")


def test_cousins_through_a_brother_and_a_sister_share_neither_line():
    ped = first_cousins(ids=("MP", "CO"), parent_sexes=("M", "F"))
    assert _links(ped, "MP", "Y", ["CO"]) == {}
    assert _links(ped, "MP", "mtDNA", ["CO"]) == {}


def test_half_siblings_share_the_line_of_the_common_parent():
    pat = half_siblings(paternal=True, ids=("MP", "HS"))
    mat = half_siblings(paternal=False, ids=("MP", "HS"))
    assert _links(pat, "MP", "Y", ["HS"]) == {"HS": 2}
    assert _links(pat, "MP", "mtDNA", ["HS"]) == {}
    assert _links(mat, "MP", "mtDNA", ["HS"]) == {"HS": 2}
    assert _links(mat, "MP", "Y", ["HS"]) == {}


def test_father_and_son_share_y_one_meiosis_a_daughter_does_not():
    ped = parent_child(parent="FA", child="MP").add([("SIS", "FA", "MP_mother", "F")])
    assert _links(ped, "MP", "Y", ["FA", "SIS"]) == {"FA": 1}
    assert _links(ped, "MP", "mtDNA", ["FA", "SIS"]) == {"SIS": 2}


def test_paternal_grandfather_and_his_line():
    ped = grandparent(grandparent="GF", grandchild="MP", grandparent_sex="M", paternal=True)
    links = lineage_links(ped, "MP", "Y")
    assert [(x.relative, x.meioses) for x in links] == [("MP_father", 1), ("GF", 2)]
    assert links[1].ancestor == "GF"


def test_unknown_id_is_refused():
    with pytest.raises(PedigreeError, match="'XX' is not in the pedigree"):
        lineage_links(avuncular(), "N", "Y", among=["XX"])
    with pytest.raises(PedigreeError, match="line must be 'Y' or 'mtDNA'"):
        lineage_links(avuncular(), "N", "X")  # type: ignore[arg-type]


def _oracle(ped: Pedigree, a: str, b: str, line: str) -> int | None:
    """Undirected path length in the forest of father->son (Y) or mother->child (mtDNA)
    edges: each person has at most one such parent, so the path is unique."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(ped.ids)
    for ident, fa, mo, sex in ped.records():
        parent = fa if line == "Y" else mo
        if parent is not None and not (line == "Y" and sex == "F"):
            g.add_edge(parent, ident)
    if line == "Y" and "F" in (ped.sex_of(a), ped.sex_of(b)):
        return None
    try:
        return nx.shortest_path_length(g, a, b)
    except nx.NetworkXNoPath:
        return None


@settings(deadline=None, max_examples=150)
@given(random_records(min_size=2, max_size=7))
def test_links_agree_with_a_forest_path_oracle_and_are_symmetric(records):
    ped = Pedigree.from_records(records)
    for line in ("Y", "mtDNA"):
        for a in ped.ids:
            if line == "Y" and ped.sex_of(a) == "F":
                continue
            found = _links(ped, a, line, list(ped.ids))
            for b in ped.ids:
                if b == a:
                    continue
                assert found.get(b) == _oracle(ped, a, b, line), (line, a, b, records)
                if b in found and not (line == "Y" and ped.sex_of(b) == "F"):
                    assert _links(ped, b, line, [a]) == {a: found[b]}
