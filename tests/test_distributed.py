"""Compile and search on a real Dask LocalCluster give the same results as on one machine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forensic_match.cases import load_case
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.identify import prepare_panel
from forensic_match.dvi.search import search_samples

distributed = pytest.importorskip("dask.distributed")


@pytest.mark.slow
def test_cluster_equals_single_machine() -> None:
    from forensic_match.distributed import compile_on_cluster, search_on_cluster

    ds = load_case("datasets/examples/programme_small.json")
    panel = prepare_panel(ds.markers, ds.am, ds.pm)
    local = compile_families(ds.am, panel)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with distributed.Client(cluster) as client:
        remote = compile_on_cluster(ds.am, panel, client=client, chunk=60)
        np.testing.assert_array_equal(remote.log10_lr, local.log10_lr)
        assert remote.rows == local.rows and remote.keys == local.keys
        got = search_on_cluster(local, ds.pm, client=client, rows_per_task=100, top=3,
                                threshold=2.0)
    cluster.close()
    want = search_samples(local, ds.pm, top=3, threshold=2.0)
    key = ["pm", "rank"]
    a, b = got.by_sample.sort(key), want.by_sample.sort(key)
    assert a["pm"].to_list() == b["pm"].to_list()
    assert np.allclose(a["log10_lr"].to_numpy(), b["log10_lr"].to_numpy(), rtol=0, atol=0)
    assert sorted(got.pairs["log10_lr"].to_list()) == sorted(want.pairs["log10_lr"].to_list())
    sums = dict(got.samples.select("pm", "lr_sum").iter_rows())
    for pm, s in want.samples.select("pm", "lr_sum").iter_rows():
        assert math.isclose(sums[pm], s, rel_tol=1e-12)
    assert got.parameters["rows"] == want.parameters["rows"] == len(local.rows)
