"""A search that reuses an earlier search of mostly the same samples and rows.

A nightly run searches every body against every compiled row although, from one night to the
next, most bodies and most rows are unchanged. :func:`search_reusing` gives what
:func:`~forensic_match.dvi.search.search_samples` gives on the same tables and samples, and
searches only

- the samples that are new or changed (against every row),
- the unchanged samples against the rows that are new or changed,
- the unchanged samples against the *removed* rows (their old tables, supplied by the
  caller), whose LRs leave each sample's LR sum,
- and, in full again, the few samples or rows whose kept lists, less their removed
  partners, are left too short (lists are kept :data:`DEPTH` times deeper than the search's
  and marked complete or not, so that this is rare).

An earlier search is kept as a :class:`SearchMemo`: the search's options and panel, and its
results with each entry keyed by content, the row by an id that changes whenever the row's
table changes (e.g. :func:`~forensic_match.dvi.compile.row_key`) and the sample by the hash of
everything the search reads of it (:func:`sample_key`). Nothing is taken on trust from the
memo that a key does not cover: different options, panel, theta or list lengths make it
unusable, and the search is then done in full. ``docs/store.md`` ("Nightly reuse of the
searches") states the assumptions and what is exact.

Every pair's score is the kernel's, computed once either night (the kernel's score of a pair
does not depend on the other rows or samples of the call), so the lists, ranks and listed
pairs are those of a full search; ties are broken as the kernel breaks them (rows and samples
in ascending order). A sample's LR sum is ``last night's - removed rows' + new rows'``; a
sample whose removed part exceeds half of its sum, whose sum is not finite, or whose sum has
been carried for :data:`MAX_CARRIED` nights, is searched again in full, so the sum stays
within a few units of rounding of the full search's.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.cases import PMSample
from forensic_match.dvi.compile import CompiledTables
from forensic_match.dvi.fragments import Body
from forensic_match.dvi.npz_file import load_npz, save_npz
from forensic_match.dvi.search import SearchResult, _search_encoded, encode_samples
from forensic_match.errors import CacheWarning, InputError

#: Nights a sample's LR sum may be carried forward (corrected by removed and new rows) before
#: it is computed again in full: bounds the rounding that corrections accumulate.
MAX_CARRIED = 30

#: Above this share of changed rows or samples the search is done in full (less work).
FULL_ABOVE = 0.5

_FRAMES = ("by_sample", "by_missing", "pairs")


def sample_key(sample: PMSample | Body) -> str:
    """Hash of everything the search reads of a PM sample or a body: id, and per fragment its
    id, sex, dropout and genotypes."""
    fragments = sample.fragments if isinstance(sample, Body) else [sample]
    canon = [sample.id, [[f.id, f.sex, repr(float(f.dropout)),
                          sorted([m, g[0], g[1]] for m, g in f.genotypes.items())]
                         for f in fragments]]
    return hashlib.sha256(json.dumps(canon, default=str).encode()).hexdigest()


def _sample_keys(samples: Sequence[PMSample | Body],
                 known: dict[int, tuple[Any, str]] | None) -> list[str]:
    """:func:`sample_key` of each sample, taken from ``known`` (``{id(sample): (sample,
    key)}``, which keeps the sample alive so that its ``id`` is not reused) where the same
    object was keyed before, and added there."""
    if known is None:
        return [sample_key(s) for s in samples]
    out = []
    for s in samples:
        hit = known.get(id(s))
        if hit is None or hit[0] is not s:
            hit = known[id(s)] = (s, sample_key(s))
        out.append(hit[1])
    return out


@dataclass
class SearchMemo:
    """One search's results, keyed by content, for :func:`search_reusing`.

    Attributes
    ----------
    setting : str
        Hash of the search's options (top, threshold, sex filter, minimum markers, drop-in),
        the panel's digest, theta and the list lengths: a memo is used only by a search
        with the same setting.
    rows : list of str
        Ids of the rows searched, in row order.
    samples : list of str
        :func:`sample_key` of the samples searched, in order.
    lr_sum, n_typed : numpy.ndarray
        Per sample (in ``samples`` order).
    carried : numpy.ndarray
        Per sample, the nights its LR sum has been carried forward since last computed in
        full.
    by_sample, by_missing : polars.DataFrame
        Each sample's best rows and each row's best samples, :data:`DEPTH` times deeper
        than the search's lists where known, each entry with its row's id (``_row``), its
        sample's key (``_sample``) and whether its list holds every finite score of its
        sample (row) (``_full``).
    pairs : polars.DataFrame
        The listed pairs, with ``_row`` and ``_sample``.
    """

    setting: str
    rows: list[str]
    samples: list[str]
    lr_sum: np.ndarray
    n_typed: np.ndarray
    carried: np.ndarray
    by_sample: Any
    by_missing: Any
    pairs: Any


def _setting(compiled: CompiledTables, n_s: int, options: dict[str, Any]) -> str:
    from forensic_match.markers import markers_digest

    top = options["top"]
    canon = {"options": {k: repr(v) for k, v in sorted(options.items())},
             "markers": markers_digest(compiled.markers), "theta": repr(float(compiled.theta)),
             "k_s": max(1, min(top, len(compiled.rows))), "k_m": max(1, min(top, n_s)),
             "depth": DEPTH}
    return hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()


def _tag(res: SearchResult, compiled: CompiledTables, row_ids: Sequence[str],
         keys: dict[str, str]) -> dict[str, Any]:
    """The result's tables with ``_row`` and ``_sample`` columns."""
    import polars as pl

    # Each row name's id (the last row of a name, as a dict built over the rows keeps), by a
    # join rather than a Python lookup per listed entry (hundreds of thousands a night).
    names = pl.DataFrame({"family": [f for f, _ in compiled.rows],
                          "missing": [m for _, m in compiled.rows],
                          "_row": list(row_ids[:len(compiled.rows)])},
                         schema={"family": pl.Utf8, "missing": pl.Utf8, "_row": pl.Utf8}) \
        .unique(["family", "missing"], keep="last", maintain_order=True)
    out = {}
    for name in _FRAMES:
        frame = getattr(res, name)
        tagged = frame.join(names, on=["family", "missing"], how="left",
                            maintain_order="left")
        if tagged["_row"].null_count():
            raise KeyError("a listed row is not among the compiled rows")
        out[name] = tagged.with_columns(
            frame["pm"].replace_strict(keys, return_dtype=pl.Utf8).alias("_sample"))
    return out


def _memo(setting: str, row_ids: list[str], keys: list[str], lr_sum: np.ndarray,
          n_typed: np.ndarray, carried: np.ndarray, frames: dict[str, Any]) -> SearchMemo:
    return SearchMemo(setting, row_ids, keys, np.asarray(lr_sum, dtype=np.float64),
                      np.asarray(n_typed, dtype=np.int64), np.asarray(carried, dtype=np.int64),
                      frames["memo_by_sample"], frames["memo_by_missing"], frames["pairs"])


def _result(frames: dict[str, Any], samples: Any, parameters: dict[str, Any]) -> SearchResult:
    return SearchResult(*(frames[n].drop("_row", "_sample") for n in _FRAMES), samples,
                        parameters)


def _search_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options :func:`search_reusing` hashes into a memo's setting, with its defaults."""
    import inspect

    defaults = {k: p.default for k, p in inspect.signature(search_reusing).parameters.items()
                if k in ("top", "threshold", "sex_filter", "min_markers", "dropin")}
    return {k: options.get(k, v) for k, v in defaults.items()}


def _increasing(positions: list[int]) -> bool:
    return all(a < b for a, b in zip(positions, positions[1:]))


def search_reusing(compiled: CompiledTables, samples: Sequence[PMSample | Body], *,
                   memo: SearchMemo | None, row_ids: Sequence[str],
                   old_rows: Callable[[list[str]], CompiledTables | None] | None = None,
                   active: np.ndarray | None = None, top: int = 5, threshold: float = 4.0,
                   sex_filter: bool = True, min_markers: int = 1, dropin: float = 0.0,
                   encodings: dict[Any, Any] | None = None,
                   sample_keys: dict[int, tuple[Any, str]] | None = None,
                   ) -> tuple[SearchResult, SearchMemo]:
    """:func:`~forensic_match.dvi.search.search_samples` of ``samples`` against the ``active``
    rows of ``compiled``, reusing ``memo`` (an earlier such search) where rows and samples are
    unchanged.

    Parameters
    ----------
    compiled : CompiledTables
    samples : sequence of PMSample or Body
    memo : SearchMemo or None
        An earlier search's memo (``None``: search in full).
    row_ids : sequence of str
        One id per row of ``compiled``, which must change whenever the row's table, name or
        sex changes (e.g. :func:`~forensic_match.dvi.compile.row_key`, which hashes
        everything the row is compiled from); ids must be unique.
    old_rows : callable, optional
        Given ids of rows of ``memo`` that are no longer searched, their tables (on the same
        panel and theta) as :class:`CompiledTables` in the order asked, or ``None`` if it
        cannot: then everything is searched in full.
    active, top, threshold, sex_filter, min_markers, dropin
        As for :func:`~forensic_match.dvi.search.search_samples`.
    encodings : dict, optional
        Encoded samples of earlier calls, by panel and the samples' keys: searches of the
        same samples on the same panel encode them once (this call adds its own).
    sample_keys : dict, optional
        :func:`sample_key` of samples met by earlier calls (by ``id``, beside the sample
        itself), for searches of the same, unchanged sample objects (this call adds its own).

    Returns
    -------
    SearchResult
        Equal to the full search's: the same lists, ranks, listed pairs and counts; LR sums
        within rounding (module doc). ``parameters["reused"]`` says whether ``memo`` served.
    SearchMemo
        This search's memo, for the next one.

    Examples
    --------
    >>> res, memo = search_reusing(tables, bodies, memo=None, row_ids=tables.keys)  # doctest: +SKIP
    >>> res, memo = search_reusing(tonight, bodies_tonight, memo=memo,
    ...                            row_ids=tonight.keys, old_rows=old_rows)  # doctest: +SKIP
    >>> res.parameters["reuse"]["new_samples"]  # doctest: +SKIP
    """
    import polars as pl

    if len(row_ids) != len(compiled.rows):
        raise InputError(f"{len(row_ids)} row ids for {len(compiled.rows)} compiled rows")
    opts = {"top": top, "threshold": threshold, "sex_filter": sex_filter,
            "min_markers": min_markers, "dropin": dropin}
    rows = np.arange(len(compiled.rows), dtype=np.int64) if active is None \
        else np.asarray(active, dtype=np.int64)
    rid = [row_ids[r] for r in rows.tolist()]
    keys = _sample_keys(samples, sample_keys)
    key_of = {s.id: k for s, k in zip(samples, keys)}
    setting = _setting(compiled, len(samples), opts)

    from forensic_match.markers import markers_digest

    digest = markers_digest(compiled.markers)
    signature = (digest, repr(float(dropin)), tuple(keys))
    enc = None
    for (d, drop, those), cached in (encodings or {}).items():
        if (d, drop) == signature[:2]:
            at = {k: i for i, k in enumerate(those)}
            if all(k in at for k in keys):
                enc = cached.take([at[k] for k in keys])
    if enc is None:
        enc = encode_samples(samples, compiled.markers, compiled.offsets, dropin=dropin)
        if encodings is not None:
            encodings.clear()  # one set of samples at a time: they are large
            encodings[signature] = enc
    position = {s.id: i for i, s in enumerate(samples)}

    n_table = len(compiled.rows)
    k_s, k_m = max(1, min(top, n_table)), max(1, min(top, len(samples)))
    deep = DEPTH * top

    def search(tables: CompiledTables, some: Sequence[PMSample | Body], *,
               active: np.ndarray | None, names: Sequence[str] = _FRAMES,
               **changed: Any) -> tuple[SearchResult, dict[str, Any]]:
        """A search of ``some`` samples with lists of depth ``deep``, its tables tagged and
        each list marked complete (it holds every finite score) or not."""
        res = _search_encoded(tables, enc.take([position[x.id] for x in some]),
                              active=active, evidence=None, progress=False,
                              **(opts | {"top": deep} | changed))
        frames = _tag(res, tables, row_ids if tables is compiled else old_ids, key_of)
        n_active = len(tables.rows) if active is None else len(active)
        for name, by, most, n in (("by_sample", "_sample", min(deep, len(tables.rows)),
                                   n_active),
                                  ("by_missing", "_row", min(deep, len(some)), len(some))):
            if name in names:
                size = pl.len().over(by)
                frames[name] = frames[name].with_columns(
                    ((size < max(1, most)) | (size >= n)).alias("_complete"))
        return res, frames

    old_ids: list[str] = []

    def full() -> tuple[SearchResult, SearchMemo]:
        res, frames = search(compiled, samples, active=active)
        merged = _merge({n: [frames[n]] for n in _FRAMES}, row_ids, keys, k_s, k_m, deep)
        return (_result(merged, res.samples, dict(opts, reused=False)),
                _memo(setting, rid, keys, res.samples["lr_sum"].to_numpy(),
                      res.samples["n_typed"].to_numpy(), np.zeros(len(keys)), merged))

    if memo is None or memo.setting != setting or not samples or rows.size == 0 or \
            len(set(rid)) != len(rid) or len(set(keys)) != len(keys):
        return full()
    old_row_pos = {r: i for i, r in enumerate(memo.rows)}
    old_sample_pos = {k: i for i, k in enumerate(memo.samples)}
    kept_r = np.array([r in old_row_pos for r in rid], dtype=bool)
    kept_s = np.array([k in old_sample_pos for k in keys], dtype=bool)
    now_rows = set(rid)
    removed = [r for r in memo.rows if r not in now_rows]
    now_samples = set(keys)
    gone_samples = [k for k in memo.samples if k not in now_samples]
    n_changed_rows = int((~kept_r).sum()) + len(removed)
    if n_changed_rows > FULL_ABOVE * rows.size or (~kept_s).sum() > FULL_ABOVE * len(keys) \
            or not _increasing([old_row_pos[r] for r, k in zip(rid, kept_r) if k]) \
            or not _increasing([old_sample_pos[k] for k, s in zip(keys, kept_s) if s]):
        return full()
    old_tables = None
    if removed:
        old_tables = old_rows(removed) if old_rows is not None else None
        if old_tables is None or len(old_tables.rows) != len(removed) or \
                old_tables.theta != compiled.theta or \
                markers_digest(old_tables.markers) != digest:
            return full()
        old_ids = list(removed)

    kept_samples = [s for s, k in zip(samples, kept_s) if k]
    new_samples = [s for s, k in zip(samples, kept_s) if not k]
    changed_rows = rows[~kept_r]
    same_rows = rows[kept_r]
    parts: dict[str, list[Any]] = {n: [] for n in _FRAMES}

    sums: dict[str, float] = {}
    typed: dict[str, int] = {}
    if new_samples:
        res, frames = search(compiled, new_samples, active=rows)
        for n in _FRAMES:
            parts[n].append(frames[n])
        sums.update(zip(res.samples["pm"].to_list(), res.samples["lr_sum"].to_list()))
        typed.update(zip(res.samples["pm"].to_list(), res.samples["n_typed"].to_list()))
    plus = {s.id: 0.0 for s in kept_samples}
    if changed_rows.size and kept_samples:
        res, frames = search(compiled, kept_samples, active=changed_rows)
        for n in _FRAMES:
            parts[n].append(frames[n])
        plus = dict(zip(res.samples["pm"].to_list(), res.samples["lr_sum"].to_list()))
    minus = {s.id: 0.0 for s in kept_samples}
    if old_tables is not None and kept_samples:
        res, _ = search(old_tables, kept_samples, active=None, names=(), threshold=math.inf)
        minus = dict(zip(res.samples["pm"].to_list(), res.samples["lr_sum"].to_list()))

    # Kept samples: their lists less the removed rows are the best of the kept rows, known
    # to the depth left; a sample with fewer than it needs left (and not all of its finite
    # scores) is searched again.
    kept_keys = [key_of[s.id] for s in kept_samples]
    mine = memo.by_sample.filter(pl.col("_sample").is_in(kept_keys))
    last = mine.filter(~pl.col("_row").is_in(removed))
    left = _left(mine, last, "_sample")
    carried: dict[str, int] = {}
    redo = []
    for s in kept_samples:
        k = key_of[s.id]
        i = old_sample_pos[k]
        before, gone = float(memo.lr_sum[i]), minus[s.id]
        typed[s.id] = int(memo.n_typed[i])
        full_list, n_left = left.get(k, (True, 0))
        if (not full_list and n_left < k_s) or memo.carried[i] + 1 >= MAX_CARRIED \
                or not (math.isfinite(before) and math.isfinite(gone)) or gone > 0.5 * before:
            redo.append(s)
        else:
            sums[s.id] = before - gone + plus[s.id]
            carried[k] = int(memo.carried[i]) + 1
    redo_keys = {key_of[s.id] for s in redo}
    parts["by_sample"].append(last.filter(~pl.col("_sample").is_in(list(redo_keys)))
                              .with_columns(pl.col("_full").alias("_complete")))
    if redo:
        res, frames = search(compiled, redo, active=same_rows, names=("by_sample",))
        parts["by_sample"].append(frames["by_sample"])
        for p, v in zip(res.samples["pm"].to_list(), res.samples["lr_sum"].to_list()):
            sums[p] = v + plus[p]

    # Kept rows, likewise, less the samples gone or changed since.
    kept_ids = [r for r, k in zip(rid, kept_r) if k]
    mine_m = memo.by_missing.filter(pl.col("_row").is_in(kept_ids))
    lastm = mine_m.filter(~pl.col("_sample").is_in(gone_samples))
    left_m = _left(mine_m, lastm, "_row")
    redo_rows = {r for r in kept_ids
                 if not left_m.get(r, (True, 0))[0] and left_m[r][1] < k_m}
    parts["by_missing"].append(lastm.filter(~pl.col("_row").is_in(list(redo_rows)))
                               .with_columns(pl.col("_full").alias("_complete")))
    if redo_rows and kept_samples:
        again = np.array([r for r, i in zip(rows.tolist(), rid) if i in redo_rows],
                         dtype=np.int64)
        _, frames = search(compiled, kept_samples, active=again, names=("by_missing",))
        parts["by_missing"].append(frames["by_missing"])
    changed_ids = {r for r, k in zip(rid, kept_r) if not k}
    parts["pairs"].append(memo.pairs.filter(pl.col("_row").is_in(list(now_rows - changed_ids))
                                            & pl.col("_sample").is_in(kept_keys)))

    merged = _merge(parts, row_ids, keys, k_s, k_m, deep)
    ids = [s.id for s in samples]
    lr_sum = np.array([sums[p] for p in ids], dtype=np.float64)
    n_typed = np.array([typed[p] for p in ids], dtype=np.int64)
    table = pl.DataFrame({"pm": ids, "lr_sum": lr_sum, "n_typed": n_typed},
                         schema={"pm": pl.Utf8, "lr_sum": pl.Float64, "n_typed": pl.Int64})
    parameters = dict(opts, reused=True, reuse={
        "new_samples": len(new_samples), "kept_samples": len(kept_samples),
        "gone_samples": len(gone_samples), "redone_samples": len(redo),
        "changed_rows": int(changed_rows.size), "kept_rows": int(same_rows.size),
        "removed_rows": len(removed), "redone_rows": len(redo_rows)})
    out_memo = _memo(setting, rid, keys, lr_sum, n_typed,
                     np.array([carried.get(k, 0) for k in keys]), merged)
    return _result(merged, table, parameters), out_memo


def _left(before: Any, after: Any, group: str) -> dict[str, tuple[bool, int]]:
    """Per group of a memo list: whether the list was complete, and how many entries are
    left after the removals (a group whose entries were all removed is listed with 0)."""
    import polars as pl

    full = dict(before.group_by(group).agg(pl.col("_full").first()).iter_rows())
    counts = dict(after.group_by(group).agg(pl.len()).iter_rows())
    return {g: (bool(f), int(counts.get(g, 0))) for g, f in full.items()}


#: Memo lists are kept this many times deeper than the search's lists, so that a few rows
#: or samples removed from them leave enough known entries (a list left shorter than the
#: search's is searched again).
DEPTH = 2

_BIG = 2**62


def _lists(frame: Any, group: str, tie: str, k_out: int, deep: int) -> tuple[Any, Any]:
    """Per group (a sample, or a row) the merged list of its parts (each marked complete or
    not): the first ``k_out`` entries, and the entries known to be right (up to the last
    entry of each incomplete part, and at most ``deep``) marked ``_full`` when every finite
    score of the group is among them."""
    import polars as pl

    f = frame.sort([group, "log10_lr", tie], descending=[False, True, False])
    f = f.with_columns(pl.int_range(pl.len()).over(group).alias("_pos"),
                       pl.len().over(group).alias("_n"))
    cut = f.filter(~pl.col("_complete")).group_by([group, "_part"]) \
        .agg(pl.col("_pos").max()).group_by(group).agg((pl.col("_pos").min() + 1)
                                                       .alias("_cut"))
    f = f.join(cut, on=group, how="left", maintain_order="left") \
        .with_columns(pl.col("_cut").fill_null(_BIG))
    out = f.filter(pl.col("_pos") < k_out).with_columns((pl.col("_pos") + 1).alias("rank"))
    keep = f.filter((pl.col("_pos") < pl.col("_cut")) & (pl.col("_pos") < deep)) \
        .with_columns(((pl.col("_cut") == _BIG) & (pl.col("_n") <= deep)).alias("_full"))
    return out, keep


def _merge(parts: dict[str, list[Any]], row_ids: Sequence[str], keys: list[str], k_s: int,
           k_m: int, deep: int) -> dict[str, Any]:
    """The tables of a full search from the pieces (each sample's best rows: score
    descending, row ascending; each row's best samples: score descending, sample ascending;
    the listed pairs), each with its memo part (``_memo_by_sample``...)."""
    import polars as pl

    row_index = {r: i for i, r in enumerate(row_ids)}
    sample_index = {k: i for i, k in enumerate(keys)}

    def indexed(name: str) -> Any:
        frames = [f.drop([c for c in ("rank", "_full") if c in f.columns])
                  .with_columns(pl.lit(i, dtype=pl.Int64).alias("_part"))
                  for i, f in enumerate(parts[name])]
        frame = pl.concat(frames, how="diagonal_relaxed")
        return frame.with_columns(
            frame["_row"].replace_strict(row_index, return_dtype=pl.Int64).alias("_ri"),
            frame["_sample"].replace_strict(sample_index, return_dtype=pl.Int64).alias("_si"))

    cols = [c for c in parts["pairs"][0].columns if not c.startswith("_") and c != "rank"]
    out_s, keep_s = _lists(indexed("by_sample"), "_si", "_ri", k_s, deep)
    out_m, keep_m = _lists(indexed("by_missing"), "_ri", "_si", k_m, deep)
    pairs = indexed("pairs").sort(["log10_lr", "_ri", "_si"], descending=[True, False, False])
    return {
        "by_sample": out_s.sort(["pm", "rank"]).select(*cols, "rank", "_row", "_sample"),
        "by_missing": out_m.sort(["family", "missing", "rank"])
        .select(*cols, "rank", "_row", "_sample"),
        "pairs": pairs.select(*cols, "_row", "_sample"),
        "memo_by_sample": keep_s.select(*cols, "_row", "_sample", "_full"),
        "memo_by_missing": keep_m.select(*cols, "_row", "_sample", "_full")}


_DTYPES = ("Utf8", "String", "Float64", "Int64", "Boolean")


def _encoded(strings: Sequence[str]) -> np.ndarray:
    """UTF-8 bytes (one byte per ASCII character, where numpy's text arrays take four)."""
    return np.char.encode(np.array(list(strings), dtype=np.str_), "utf-8") if len(strings) \
        else np.zeros(0, dtype="S1")


def _decoded(array: np.ndarray) -> list[str]:
    return np.char.decode(array, "utf-8").tolist() if array.size else []


def _codes(column: Any) -> tuple[list[str], np.ndarray]:
    """A text column's distinct values, ascending by code point, and each entry's int32 index
    among them: ``np.unique(..., return_inverse=True)`` of the column, computed in polars
    (UTF-8 bytes order as code points do; a column with nulls goes through numpy as before)."""
    if column.null_count():
        values, codes = np.unique(np.array(column.to_list(), dtype=np.str_),
                                  return_inverse=True)
        return values.tolist(), codes.astype(np.int32).reshape(-1)
    import polars as pl

    values = column.unique().sort()
    # each entry's index by a hash join on the distinct values: 10x faster than a binary
    # search per entry (search_sorted: 0.98 s against 0.09 s on 3 million ids; 3.5 s of each
    # Peru-scale night went to it, py-spy, 2026-12-07)
    index = pl.DataFrame({"_v": values, "_i": np.arange(values.len(), dtype=np.int32)})
    codes = column.alias("_v").to_frame().join(index, on="_v", how="left",
                                                 maintain_order="left")["_i"].to_numpy()
    return values.to_list(), codes.astype(np.int32).reshape(-1)


def _memo_arrays(name: str, memo: SearchMemo) -> dict[str, np.ndarray]:
    """A memo as plain arrays: text as UTF-8 bytes, text columns as the distinct values and
    one int32 code per entry (ids repeat across the lists)."""
    import polars as pl

    arrays = {f"{name}/rows": _encoded(memo.rows), f"{name}/samples": _encoded(memo.samples),
              f"{name}/lr_sum": memo.lr_sum, f"{name}/n_typed": memo.n_typed,
              f"{name}/carried": memo.carried}
    for frame_name in _FRAMES:
        frame = getattr(memo, frame_name)
        for col in frame.columns:
            key = f"{name}/{frame_name}/{col}"
            if frame[col].dtype == pl.String:
                values, codes = _codes(frame[col])
                arrays[f"{key}/values"] = _encoded(values)
                arrays[f"{key}/codes"] = codes
            else:
                arrays[key] = frame[col].to_numpy()
    return arrays


def _digest(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(key.encode())
        h.update(str(a.dtype).encode())
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def memos_to_keep(memos: dict[str, SearchMemo], loaded: dict[str, SearchMemo]
                  ) -> dict[str, SearchMemo]:
    """Of an identification's ``memos`` (read and replaced in place), those to keep for the
    next: the named ones (not ``_...``), less a later round's (a name with a ``.``,
    ``NightSearches.search``'s ``kept``) that this identification did not search again (the
    same object as ``loaded``, the memos it started from): it had fewer rounds, and the
    stale memo would only grow the file."""
    return {k: v for k, v in memos.items()
            if not k.startswith("_") and ("." not in k or v is not loaded.get(k))}


def save_memos(path: str | Path, memos: dict[str, SearchMemo]) -> None:
    """Write ``memos`` (by name) to ``path`` (numpy ``.npz``, no pickled objects) with the
    sha256 of its content; written to a temporary file, then renamed, so a crash never leaves
    a half-written file."""
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {"memos": {}}
    for name, memo in sorted(memos.items()):
        arrays |= _memo_arrays(name, memo)
        meta["memos"][name] = {"setting": memo.setting, "frames": {
            f: [[c, str(getattr(memo, f)[c].dtype)] for c in getattr(memo, f).columns]
            for f in _FRAMES}}
    meta["sha256"] = _digest(meta, arrays)
    save_npz(path, arrays, meta)


def load_memos(path: str | Path | None) -> dict[str, SearchMemo]:
    """The memos written by :func:`save_memos`, or none: an absent file gives none; an
    unreadable one, or one whose content does not match its sha256, gives a
    :class:`~forensic_match.errors.CacheWarning` and none (the searches are then done in
    full: the memos hold only what can be recomputed)."""
    import polars as pl

    if path is None or not Path(path).exists():
        return {}
    try:
        arrays, meta = load_npz(path)
        stated = meta.pop("sha256")
        if _digest(meta, arrays) != stated:
            raise ValueError("content does not match its sha256")
        out = {}
        for name, m in meta["memos"].items():
            frames = {}
            for f, cols in m["frames"].items():
                if any(dtype not in _DTYPES for _, dtype in cols):
                    raise ValueError(f"unexpected column types in {name}/{f}")
                columns = []
                for c, dtype in cols:
                    key = f"{name}/{f}/{c}"
                    if dtype in ("Utf8", "String"):
                        values = np.array(_decoded(arrays[f"{key}/values"]), dtype=object)
                        codes = arrays[f"{key}/codes"]
                        if codes.size and (codes.min() < 0 or codes.max() >= values.size):
                            raise ValueError(f"codes out of range in {key}")
                        data: Any = values[codes].tolist() if codes.size else []
                    else:
                        data = arrays[key]
                    columns.append(pl.Series(c, data, dtype=getattr(pl, dtype)))
                frames[f] = pl.DataFrame(columns)
            out[name] = _memo(m["setting"], _decoded(arrays[f"{name}/rows"]),
                              _decoded(arrays[f"{name}/samples"]), arrays[f"{name}/lr_sum"],
                              arrays[f"{name}/n_typed"], arrays[f"{name}/carried"],
                              {"memo_by_sample": frames["by_sample"],
                               "memo_by_missing": frames["by_missing"],
                               "pairs": frames["pairs"]})
            if not (len(out[name].samples) == out[name].lr_sum.size ==
                    out[name].n_typed.size == out[name].carried.size):
                raise ValueError(f"inconsistent lengths in {name}")
        return out
    except Exception as exc:  # noqa: BLE001 - any damage to a derived file means recomputing
        warnings.warn(f"file {str(path)!r}: search memos could not be read "
                      f"({type(exc).__name__}: {exc}); searching in full", CacheWarning,
                      stacklevel=2)
        return {}


class NightSearches:
    """The searches of one identification, reusing the memos of the last one.

    ``memos`` (by search name) is read and replaced in place by this identification's; names
    starting with ``_`` are for searches within the identification (e.g. one round from the
    last) and are not meant to be kept. Tables registered with :meth:`keep_rows` (last
    night's, this night's) and rows given to :meth:`retire` (versions replaced in place)
    supply the rows a search no longer has."""

    def __init__(self, memos: dict[str, SearchMemo]) -> None:
        self.memos = memos
        self._sources: list[tuple[CompiledTables, Sequence[str]]] = []
        self._retired: dict[str, tuple[tuple[str, str], Any, str]] = {}
        self.reused: dict[str, Any] = {}
        self._encodings: dict[Any, Any] = {}
        # The night's samples are keyed once: the rounds search the same (unchanged) objects.
        self._sample_keys: dict[int, tuple[Any, str]] = {}

    def keep_rows(self, tables: CompiledTables | None, ids: Sequence[str]) -> None:
        """Register ``tables`` (ids per row; the sequence may change as rows are replaced)."""
        if tables is not None and len(ids) == len(tables.rows):
            self._sources.append((tables, ids))

    def retire(self, row_id: str, tables: CompiledTables, r: int) -> None:
        """Keep a copy of row ``r`` of ``tables`` (id ``row_id``) before it is replaced."""
        row = tables.row(r)
        self._retired[row_id] = (tables.rows[r], type(row)(*(
            x.copy() if isinstance(x, np.ndarray) else x for x in row)), tables.sex[r])

    def add_rows(self, ids: Sequence[str], names: Sequence[tuple[str, str]],
                 rows: Sequence[Any], sexes: Sequence[str]) -> None:
        """Register single rows (not copied: they must not change) by id."""
        for i, name, row, sex in zip(ids, names, rows, sexes):
            self._retired.setdefault(i, (name, row, sex))

    def old_rows(self, ids: list[str]) -> CompiledTables | None:
        """The rows ``ids`` as tables, from the rows registered one by one (this night's,
        on the first registered tables' panel) and the registered tables on that panel and
        theta (others are skipped); ``None`` when one is not found."""
        from forensic_match.markers import markers_digest

        if not self._sources:
            return None
        first = self._sources[0][0]
        digest = markers_digest(first.markers)
        found: dict[str, tuple[tuple[str, str], Any, str]] = {}
        wanted = set(ids)
        for rid in wanted & self._retired.keys():
            found[rid] = self._retired[rid]
        for tables, row_ids in self._sources:
            if len(found) == len(wanted):
                break
            if tables.theta != first.theta or markers_digest(tables.markers) != digest:
                continue
            for r, rid in enumerate(row_ids):
                if rid in wanted and rid not in found:
                    found[rid] = (tables.rows[r], tables.row(r), tables.sex[r])
        if len(found) != len(wanted):
            return None
        parts = [found[i] for i in ids]
        return CompiledTables.stack(first.markers, [p[0] for p in parts],
                                    [p[1] for p in parts], [p[2] for p in parts],
                                    first.theta)

    def search(self, name: str, compiled: CompiledTables, samples: Sequence[PMSample | Body],
               row_ids: Sequence[str], *, use: str | None = None,
               also: tuple[str, ...] = (), kept: str | None = None,
               **options: Any) -> SearchResult:
        """:func:`search_reusing` with the memo ``use`` (default ``name``); this search's memo
        is kept under ``name`` and the names in ``also``. With ``kept`` (the name of a memo
        kept from night to night, e.g. the last night's second round), that memo is used
        instead where it leaves less to search (:meth:`work`), and this search's is kept
        under ``kept`` too: a round after the first then starts from the same round of the
        last night when fewer rows and bodies changed since it than since this night's
        round before (an unchanged night searches nothing again)."""
        memo = self.memos.get(use or name)
        if kept is not None and self.memos.get(kept) is not None:
            active = options.get("active")
            rid = list(row_ids) if active is None else \
                [row_ids[r] for r in np.asarray(active, dtype=np.int64).tolist()]
            keys = _sample_keys(samples, self._sample_keys)
            setting = _setting(compiled, len(samples), _search_options(options))
            if self.work(self.memos[kept], rid, keys, setting) < \
                    self.work(memo, rid, keys, setting):
                memo = self.memos[kept]
        res, memo = search_reusing(compiled, samples, memo=memo,
                                   row_ids=list(row_ids), old_rows=self.old_rows,
                                   encodings=self._encodings,
                                   sample_keys=self._sample_keys, **options)
        for n in (name, *also, *(() if kept is None else (kept,))):
            self.memos[n] = memo
        self.reused[name] = res.parameters.get("reuse", False)
        return res

    def work(self, memo: SearchMemo | None, rid: list[str], keys: list[str],
             setting: str) -> float:
        """Pairs :func:`search_reusing` would score with ``memo`` for rows ``rid`` and
        samples ``keys`` (new samples against every row, kept samples against the new and the
        removed rows; every pair when the memo cannot serve). An estimate for choosing a
        memo: it leaves out the few lists searched again."""
        every = float(len(rid) * len(keys))
        if memo is None or memo.setting != setting:
            return every
        rows, samples = set(memo.rows), set(memo.samples)
        new_s = sum(k not in samples for k in keys)
        changed = sum(r not in rows for r in rid)
        removed = sorted(rows - set(rid))
        if removed and not self.has_rows(removed):
            return every
        return float(new_s * len(rid) + (len(keys) - new_s) * (changed + len(removed)))

    def has_rows(self, ids: list[str]) -> bool:
        """Whether :meth:`old_rows` finds every row of ``ids`` (nothing stacked)."""
        from forensic_match.markers import markers_digest

        if not self._sources:
            return False
        first = self._sources[0][0]
        digest = markers_digest(first.markers)
        wanted = set(ids) - self._retired.keys()
        for tables, row_ids in self._sources:
            if not wanted:
                break
            if tables.theta == first.theta and markers_digest(tables.markers) == digest:
                wanted -= set(row_ids)
        return not wanted


__all__ = ["DEPTH", "MAX_CARRIED", "NightSearches", "SearchMemo", "load_memos", "memos_to_keep",
           "sample_key", "save_memos", "search_reusing"]
