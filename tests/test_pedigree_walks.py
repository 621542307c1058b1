"""The pedigree's own walks (topological order, ancestors, descendants, acyclicity) and the
fragments' single linkage against networkx on the same graphs: same order, same sets, same
refusals (``solve`` no longer imports networkx)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import pedigrees

from forensic_match.cases import PMSample
from forensic_match.dvi.fragments import bodies_from_pairs
from forensic_match.errors import PedigreeError
from forensic_match.pedigree import Pedigree


def _graph(ped: Pedigree) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(len(ped)))
    for i in range(len(ped)):
        if ped.father[i] >= 0:
            g.add_edge(int(ped.father[i]), i)
            g.add_edge(int(ped.mother[i]), i)
    return g


@settings(deadline=None, max_examples=60)
@given(pedigrees(max_size=6))
def test_walks_agree_with_networkx(ped: Pedigree) -> None:
    g = _graph(ped)
    assert ped.topological_order.tolist() == list(nx.lexicographical_topological_sort(g))
    for i, ident in enumerate(ped.ids):
        assert ped.ancestors(ident) == {ped.ids[j] for j in nx.ancestors(g, i)}
        assert ped.descendants(ident) == {ped.ids[j] for j in nx.descendants(g, i)}


def test_order_takes_the_smallest_ready_index() -> None:
    # Listed child first: the order is 1 (GF), 2 (GM), 3 (MO), 4 (FA), 0 (C), by hand:
    # founders 1, 2, 3 are ready; after 1 and 2, FA (4) becomes ready but 3 is smaller.
    ped = Pedigree.from_records([("C", "FA", "MO", "M"), ("GF", None, None, "M"),
                                 ("GM", None, None, "F"), ("MO", None, None, "F"),
                                 ("FA", "GF", "GM", "M")])
    assert ped.topological_order.tolist() == [1, 2, 3, 4, 0]
    assert ped.ancestors("C") == {"FA", "MO", "GF", "GM"}
    assert ped.descendants("GM") == {"FA", "C"}
    assert ped.ancestors("GF") == set() and ped.descendants("C") == set()


def test_a_cycle_is_still_named() -> None:
    with pytest.raises(PedigreeError, match=r"is their own ancestor \(cycle "):
        Pedigree.from_records([("A", "B", "W", "M"), ("B", "A", "W", "M"),
                               ("W", None, None, "F")])


def test_order_is_int32() -> None:
    ped = Pedigree.from_records([("F", None, None, "M"), ("M", None, None, "F"),
                                 ("C", "F", "M", "M")])
    assert ped.topological_order.dtype == np.int32


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 9).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                   st.sampled_from([2.0, 5.0, 9.0])), max_size=12))))
def test_bodies_are_the_components_networkx_finds(case: tuple[int, list]) -> None:
    """Single linkage by union-find == networkx's connected components, each in sample
    order, ordered by first sample; pairs below the threshold (5) join nothing."""
    n, edges = case
    samples = [PMSample(f"S{k}", "U", {}) for k in range(n)]
    pairs = pl.DataFrame({"pm1": [f"S{a}" for a, _, _ in edges],
                          "pm2": [f"S{b}" for _, b, _ in edges],
                          "log10_lr": [w for *_, w in edges]},
                         schema={"pm1": pl.String, "pm2": pl.String, "log10_lr": pl.Float64})
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((a, b) for a, b, w in edges if w >= 5.0)
    want = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: c[0])
    got = bodies_from_pairs(samples, pairs, threshold=5.0)
    assert [[s.id for s in b.fragments] for b in got] == [[f"S{k}" for k in c] for c in want]
    assert [b.id for b in got] == [f"S{c[0]}" for c in want]


def test_bodies_by_hand() -> None:
    samples = [PMSample(f"S{k}", "U", {}) for k in range(5)]
    pairs = pl.DataFrame({"pm1": ["S4", "S3", "S0"], "pm2": ["S1", "S1", "S2"],
                          "log10_lr": [6.0, 7.0, 1.0]})
    got = bodies_from_pairs(samples, pairs, threshold=5.0)
    assert [[s.id for s in b.fragments] for b in got] == [["S0"], ["S1", "S3", "S4"], ["S2"]]
