"""``search_reusing`` against ``search_samples``: a search that reuses last night's memo gives
the full search's lists, ranks, pairs and counts, and its LR sums to 1e-12 relative, whatever
rows and samples were added, removed or changed in between (hypothesis), and a memo that does
not fit (other options, panel) is not used."""

from __future__ import annotations

import dataclasses
import warnings
from functools import cache

import numpy as np
import polars as pl
from hypothesis import event, given, settings
from hypothesis import strategies as st

from forensic_match.dvi.compile import CompiledRow, CompiledTables, compile_families
from forensic_match.dvi.identify import prepare_panel
from forensic_match.dvi.search import search_samples
from forensic_match.dvi.search_reuse import _sample_keys, sample_key, search_reusing
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.frequencies import load_frequencies

KEYS = ["pm", "family", "missing", "log10_lr", "n_markers", "n_inconsistent"]


@cache
def _base() -> tuple:
    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(db.markers)
    prog = simulate_programme(30, 36, markers=markers, seed=7)
    ds = prog.dataset
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = prepare_panel(ds.markers, ds.am, ds.pm)
    compiled = compile_families(ds.am, panel)
    # Two more samples tie with existing ones exactly (same genotypes, other ids).
    pm = list(ds.pm) + [dataclasses.replace(ds.pm[0], id="TWIN0"),
                        dataclasses.replace(ds.pm[3], id="TWIN3")]
    return compiled, pm


def _changed(row: CompiledRow, seed: int) -> CompiledRow:
    rng = np.random.default_rng(seed)
    return row._replace(log10_lr=row.log10_lr + rng.normal(0, 0.5, row.log10_lr.size),
                        allele_sums=row.allele_sums * rng.uniform(0.5, 2.0))


def _tables(compiled: CompiledTables, rows: list[tuple[int, int]]) -> tuple:
    """Tables of base rows ``r`` (changed with seed ``v`` when ``v`` > 0) and their ids."""
    names = [compiled.rows[r] for r, _ in rows]
    parts = [compiled.row(r) if v == 0 else _changed(compiled.row(r), v) for r, v in rows]
    sexes = [compiled.sex[r] for r, _ in rows]
    return (CompiledTables.stack(compiled.markers, names, parts, sexes, compiled.theta),
            [f"{compiled.keys[r]}/{v}" for r, v in rows])


def _retyped(sample, k: int):  # noqa: ANN001, ANN202
    genotypes = dict(sample.genotypes)
    genotypes.pop(sorted(genotypes)[k % len(genotypes)])
    return dataclasses.replace(sample, genotypes=genotypes)


def assert_same(got, want) -> None:  # noqa: ANN001
    a, b = got.by_sample.sort(["pm", "rank"]), want.by_sample.sort(["pm", "rank"])
    assert a.select("rank", *KEYS, "lr", "exact").equals(b.select("rank", *KEYS, "lr", "exact"))
    assert a.columns == b.columns
    for name in ("by_missing", "pairs"):
        x, y = getattr(got, name), getattr(want, name)
        assert x.columns == y.columns, name
        assert x.select(KEYS).sort(KEYS).equals(y.select(KEYS).sort(KEYS)), name
    # Ranks of a missing person's samples: by score, ties in any order in both.
    x = got.by_missing.sort(["family", "missing", "rank"])
    y = want.by_missing.sort(["family", "missing", "rank"])
    assert x.select("family", "missing", "rank", "log10_lr").equals(
        y.select("family", "missing", "rank", "log10_lr"))
    assert got.samples["pm"].equals(want.samples["pm"])
    assert got.samples["n_typed"].equals(want.samples["n_typed"])
    s, t = got.samples["lr_sum"].to_numpy(), want.samples["lr_sum"].to_numpy()
    assert ((s == t) | (np.abs(s - t) <= 1e-12 * np.abs(t))).all()


@st.composite
def nights(draw: st.DrawFn) -> tuple:
    compiled, pm = _base()
    n_rows, n_pm = len(compiled.rows), len(pm)
    rows1 = sorted(draw(st.sets(st.integers(0, n_rows - 1), min_size=20, max_size=n_rows)))
    removed = set(draw(st.sets(st.sampled_from(rows1), max_size=7)))
    changed = set(draw(st.sets(st.sampled_from(rows1), max_size=4)))
    added = set(draw(st.sets(st.integers(0, n_rows - 1), max_size=4))) - set(rows1)
    rows2 = sorted([(r, 1 if r in changed else 0) for r in rows1 if r not in removed] +
                   [(r, 0) for r in added])
    s1 = sorted(draw(st.sets(st.integers(0, n_pm - 1), min_size=8, max_size=n_pm)))
    gone = set(draw(st.sets(st.sampled_from(s1), max_size=5)))
    retyped = set(draw(st.sets(st.sampled_from(s1), max_size=3)))
    new = set(draw(st.sets(st.integers(0, n_pm - 1), max_size=3))) - set(s1)
    samples1 = [pm[i] for i in s1]
    samples2 = [_retyped(pm[i], i) if i in retyped else pm[i]
                for i in sorted((set(s1) - gone) | new)]
    options = draw(st.sampled_from([
        {"top": 5, "threshold": 4.0, "sex_filter": True, "min_markers": 8},
        {"top": 3, "threshold": np.inf, "sex_filter": False, "min_markers": 8},
        {"top": 1, "threshold": np.inf, "sex_filter": True, "min_markers": 8},
        {"top": 5, "threshold": -2.0, "sex_filter": True, "min_markers": 1}]))
    active = draw(st.booleans())
    return [(r, 0) for r in rows1], rows2, samples1, samples2, options, active


@settings(deadline=None, max_examples=30)
@given(nights())
def test_reuse_equals_a_full_search(case: tuple) -> None:
    rows1, rows2, samples1, samples2, options, active = case
    compiled, _ = _base()
    t1, ids1 = _tables(compiled, rows1)
    t2, ids2 = _tables(compiled, rows2)
    by_id = dict(zip(ids1, range(len(ids1))))

    def old_rows(ids: list[str]) -> CompiledTables:
        idx = [by_id[i] for i in ids]
        return CompiledTables.stack(t1.markers, [t1.rows[i] for i in idx],
                                    [t1.row(i) for i in idx], [t1.sex[i] for i in idx],
                                    t1.theta)

    # Some rows inactive in the second search (as after identifications).
    act = np.array([r for r in range(len(ids2)) if not (active and r % 7 == 3)],
                   dtype=np.int64)
    first, memo = search_reusing(t1, samples1, memo=None, row_ids=ids1, **options)
    assert not first.parameters["reused"]
    assert_same(first, search_samples(t1, samples1, **options))
    got, memo2 = search_reusing(t2, samples2, memo=memo, row_ids=ids2, old_rows=old_rows,
                                active=act, **options)
    event(f"second search reused: {got.parameters['reused']}")
    assert_same(got, search_samples(t2, samples2, active=act, **options))
    # And a third search from the second's memo, nothing changed: all reused.
    again, _ = search_reusing(t2, samples2, memo=memo2, row_ids=ids2, old_rows=old_rows,
                              active=act, **options)
    assert again.parameters["reused"]
    assert_same(again, search_samples(t2, samples2, active=act, **options))


def test_a_memo_of_other_options_or_rows_is_not_used() -> None:
    compiled, pm = _base()
    ids = list(compiled.keys)
    _, memo = search_reusing(compiled, pm, memo=None, row_ids=ids, min_markers=8)
    other, _ = search_reusing(compiled, pm, memo=memo, row_ids=ids, min_markers=9)
    assert not other.parameters["reused"]
    assert_same(other, search_samples(compiled, pm, min_markers=9))
    # A removed row whose old table cannot be supplied: searched in full.
    fewer = np.arange(1, len(ids), dtype=np.int64)
    res, _ = search_reusing(compiled, pm, memo=memo, row_ids=ids, active=fewer, min_markers=8)
    assert not res.parameters["reused"]
    assert_same(res, search_samples(compiled, pm, active=fewer, min_markers=8))


def test_sample_key_covers_what_the_search_reads() -> None:
    _, pm = _base()
    s = pm[0]
    base = sample_key(s)
    assert sample_key(dataclasses.replace(s)) == base
    for other in (dataclasses.replace(s, id="x"), dataclasses.replace(s, sex="U" if s.sex != "U"
                                                                       else "M"),
                  dataclasses.replace(s, dropout=s.dropout + 0.01), _retyped(s, 0)):
        assert sample_key(other) != base


def test_sample_keys_are_kept_per_object() -> None:
    """A night keys each sample object once; another object, even of the same id, is keyed
    afresh (a changed sample is a new object)."""
    _, pm = _base()
    known: dict = {}
    first = _sample_keys(pm[:5], known)
    assert first == [sample_key(s) for s in pm[:5]] and len(known) == 5
    changed = _retyped(pm[0], 0)
    again = _sample_keys([changed, *pm[1:5]], known)
    assert again == [sample_key(changed), *first[1:]] and again[0] != first[0]
    assert all(known[id(s)][0] is s for s in (changed, *pm[1:5]))


def test_sums_of_reused_samples_are_carried_then_recomputed() -> None:
    compiled, pm = _base()
    ids = list(compiled.keys)
    _, memo = search_reusing(compiled, pm[:-1], memo=None, row_ids=ids, min_markers=8)
    res, memo = search_reusing(compiled, pm, memo=memo, row_ids=ids, min_markers=8)
    assert res.parameters["reused"]
    assert memo.carried.max() == 1 and memo.carried[-1] == 0
    assert pl.Series(memo.samples).n_unique() == len(pm)


def test_memos_survive_the_file_and_a_damaged_file_is_refused(tmp_path) -> None:  # noqa: ANN001
    import pytest

    from forensic_match.dvi.search_reuse import load_memos, save_memos
    from forensic_match.errors import CacheWarning

    compiled, pm = _base()
    ids = list(compiled.keys)
    _, memo = search_reusing(compiled, pm, memo=None, row_ids=ids, threshold=-2.0,
                             min_markers=8)
    path = tmp_path / "tables.search.npz"
    save_memos(path, {"round": memo})
    back = load_memos(path)["round"]
    assert (back.setting, back.rows, back.samples) == (memo.setting, memo.rows, memo.samples)
    assert np.array_equal(back.lr_sum, memo.lr_sum)
    assert np.array_equal(back.carried, memo.carried)
    for name in ("by_sample", "by_missing", "pairs"):
        assert getattr(back, name).equals(getattr(memo, name)), name
    res, _ = search_reusing(compiled, pm, memo=back, row_ids=ids, threshold=-2.0,
                            min_markers=8)
    assert res.parameters["reused"]
    assert_same(res, search_samples(compiled, pm, threshold=-2.0, min_markers=8))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the arrays (an uncompressed archive)
    path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning):
        assert load_memos(path) == {}
    path.write_bytes(b"not a memo file")
    with pytest.warns(CacheWarning):
        assert load_memos(path) == {}
    assert load_memos(tmp_path / "absent.npz") == {}


def test_a_memo_of_another_panel_is_not_used() -> None:
    compiled, pm = _base()
    ids = list(compiled.keys)
    _, memo = search_reusing(compiled, pm, memo=None, row_ids=ids, min_markers=8)
    # The same rows and ids on a panel whose first marker's frequencies changed (a new
    # frequency table): the memo's setting differs, so everything is searched again.
    first = compiled.markers[0]
    freqs = first.frequencies[::-1] / first.frequencies.sum()
    other = dataclasses.replace(compiled, markers=(dataclasses.replace(first,
                                                                       frequencies=freqs),
                                                   *compiled.markers[1:]))
    res, _ = search_reusing(other, pm, memo=memo, row_ids=ids, min_markers=8)
    assert not res.parameters["reused"]
    assert_same(res, search_samples(other, pm, min_markers=8))


def test_a_list_whose_every_entry_was_removed_is_searched_again() -> None:
    """A sample whose whole kept list was in removed rows (and a row whose whole kept list
    was removed samples) is searched again, not taken as an empty list."""
    from forensic_match.dvi.search_reuse import DEPTH

    compiled, pm = _base()
    ids = list(compiled.keys)
    options = {"top": 2, "threshold": np.inf, "min_markers": 8}
    _, memo = search_reusing(compiled, pm, memo=None, row_ids=ids, **options)
    deep = memo.by_sample.filter(pl.col("_sample") == memo.samples[0])
    assert deep.height == DEPTH * 2 and not deep["_full"].any()
    gone = {ids.index(r) for r in deep["_row"].to_list()}
    active = np.array([r for r in range(len(ids)) if r not in gone], dtype=np.int64)

    def old_rows(wanted: list[str]) -> CompiledTables:
        idx = [ids.index(i) for i in wanted]
        return CompiledTables.stack(compiled.markers, [compiled.rows[i] for i in idx],
                                    [compiled.row(i) for i in idx],
                                    [compiled.sex[i] for i in idx], compiled.theta)

    res, _ = search_reusing(compiled, pm, memo=memo, row_ids=ids, old_rows=old_rows,
                            active=active, **options)
    assert res.parameters["reused"] and res.parameters["reuse"]["redone_samples"] >= 1
    assert_same(res, search_samples(compiled, pm, active=active, **options))
    sizes = memo.by_missing.group_by("_row").agg(pl.len(), pl.col("_full").first())
    target = sizes.filter((pl.col("len") == DEPTH * 2) & ~pl.col("_full"))["_row"][0]
    row = memo.by_missing.filter(pl.col("_row") == target)
    dropped = set(row["_sample"].to_list())
    fewer = [s for s, k in zip(pm, memo.samples) if k not in dropped]
    res, _ = search_reusing(compiled, fewer, memo=memo, row_ids=ids, **options)
    assert res.parameters["reused"] and res.parameters["reuse"]["redone_rows"] >= 1
    assert_same(res, search_samples(compiled, fewer, **options))


@settings(deadline=None, max_examples=200)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                               blacklist_characters="\x00"), max_size=6),
                max_size=30))
def test_memo_text_codes_are_numpys_unique(texts: list[str]) -> None:
    """A memo's text column is stored as its distinct values and one code per entry exactly
    as ``np.unique(..., return_inverse=True)`` gives them (files of earlier versions stay
    valid, and the same memo gives the same file)."""
    from forensic_match.dvi.search_reuse import _codes

    values, codes = _codes(pl.Series(texts, dtype=pl.Utf8))
    want_values, want_codes = np.unique(np.array(texts, dtype=np.str_), return_inverse=True)
    assert values == want_values.tolist()
    assert codes.dtype == np.int32 and codes.tolist() == want_codes.reshape(-1).tolist()
