"""The references' relatives' memo (``forensic_match.dvi.reference_kin_memo``): a family taken
from the memo and last night's rows has the relatives, sexes, row ids, extended pedigree and
rows (bit for bit) that drawing and compiling it afresh gives, whether it is unchanged,
re-typed, conditioned on a degraded body, conditioned on the same body under another
observation model, or has other references; the digest follows every part of what the
relatives and their ids are made of; the file round-trips and a damaged, cut or
other-rules file is ignored with a warning (no memo, never a wrong reuse)."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import damaged_npz
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import programme_with_panel

from forensic_match.cases import Family
from forensic_match.decide.alternatives import distant_references
from forensic_match.dvi.compile import observed_row_keys
from forensic_match.dvi.identify import _load_cache, _RowsById
from forensic_match.dvi.memo_file import _arrays, _names, save_entries
from forensic_match.dvi.npz_file import arrays_sha256, load_npz, save_npz
from forensic_match.dvi.reference_kin import ReferenceKinTables
from forensic_match.dvi.reference_kin_memo import (
    _COLUMNS,
    EARLIER_RULES,
    RULES,
    ReferenceKinMemo,
    load_reference_kin_memo,
    reference_kin_digest,
    save_reference_kin_memo,
)
from forensic_match.errors import CacheWarning
from forensic_match.markers import markers_digest
from forensic_match.profiles import Observation

#: How a family differs on the second night.
KINDS = ("same", "retyped", "references", "conditioned", "observation")

#: (family, references, observation) as ReferenceKinTables takes them.
Item = tuple[Family, list[str], dict[str, Any] | None]


def _families() -> list[Family]:
    """The bundled programme's families with a distant reference (51 of 200)."""
    return [f for f in programme_with_panel().am if distant_references(f)]


def _retyped(family: Family) -> Family:
    who = distant_references(family)[0]
    profile = dict(family.genotypes[who])
    profile.pop(sorted(profile)[0])
    return dataclasses.replace(family, genotypes={**family.genotypes, who: profile})


def _conditioned(family: Family) -> Family:
    """The family conditioned on a body identified as its first missing person (typed as its
    first typed relative is, as a degraded body's calls would be)."""
    body = family.genotypes[sorted(family.genotypes)[0]]
    return dataclasses.replace(family, genotypes={**family.genotypes,
                                                  family.missing[0]: dict(body)})


def _night(family: Family, kind: str, night: int) -> Item:
    """The family, references and observation models of ``night`` (1 or 2) for ``kind``."""
    refs = distant_references(family)
    if night == 1 or kind == "same":
        if kind == "observation":
            return _conditioned(family), refs, {family.missing[0]: Observation(dropout=0.1)}
        return family, refs, None
    if kind == "retyped":
        return _retyped(family), refs, None
    if kind == "references":
        # every typed blood relative as a reference (as SNP runs add their close references),
        # or, where those are the references already, one reference fewer (a typed spouse, no
        # blood relative, draws nobody)
        ped = family.pedigree
        typed = sorted(r for r in set(family.genotypes) - set(family.missing)
                       if any(ped.related(r, m) for m in family.missing))
        return family, typed if set(typed) != set(refs) else refs[:-1], None
    if kind == "conditioned":
        return _conditioned(family), refs, {family.missing[0]: Observation(dropout=0.1)}
    assert kind == "observation"
    return _conditioned(family), refs, {family.missing[0]: Observation(dropout=0.2)}


def _first_night(markers: list, items: list[Item], folder: Path) -> None:
    kept = _RowsById(markers, 0.0, None)
    tables = ReferenceKinTables(markers, kept=kept, memo=ReferenceKinMemo())
    for fam, refs, obs in items:
        tables.entry(fam, refs, obs)
    kept.save(folder / "kin.npz")
    save_reference_kin_memo(folder / "memo.npz", tables.memo_now())


def _row(row: Any) -> tuple:
    return tuple(np.asarray(x).tobytes() if isinstance(x, np.ndarray) else x for x in row)


def _as_fresh(taken: ReferenceKinTables, markers: list, items: list[Item]) -> None:
    """Each family taken (from the memo or not) equals a fresh drawing and compilation."""
    fresh = ReferenceKinTables(markers)
    digest = markers_digest(markers)
    for fam, refs, obs in items:
        alts, sexes, rows = taken.entry(fam, refs, obs)
        f_alts, f_sexes, f_rows = fresh.entry(fam, refs, obs)
        assert alts == f_alts and sexes == f_sexes
        ext = fresh.extended(fam, refs)
        assert taken.extended(fam, refs) == ext
        assert taken.ids(fam, refs, obs) == observed_row_keys(
            ext, [a.person for a in f_alts], digest, 0.0, obs)
        assert [_row(r) for r in rows] == [_row(r) for r in f_rows]
        set_, _, _ = taken.tables(fam, refs, obs)
        assert set_.family == ext and set_.alternatives == f_alts


def _second_night(markers: list, folder: Path, items: list[Item],
                  memo: ReferenceKinMemo | None = None) -> ReferenceKinTables:
    kept = _RowsById(markers, 0.0, _load_cache(folder / "kin.npz"))
    return ReferenceKinTables(markers, kept=kept,
                              memo=load_reference_kin_memo(folder / "memo.npz")
                              if memo is None else memo)


def test_every_kind_of_change_is_drawn_afresh_and_the_rest_taken(tmp_path: Path) -> None:
    families = _families()
    markers = programme_with_panel().markers
    kinds = {f.id: KINDS[k % len(KINDS)] for k, f in enumerate(families[:10])}
    chosen = families[:10]
    _first_night(markers, [_night(f, kinds[f.id], 1) for f in chosen], tmp_path)
    items = [_night(f, kinds[f.id], 2) for f in chosen]
    # every kind but "same" changes what the memo is keyed by
    for f, item in zip(chosen, items):
        before = reference_kin_digest(*_night(f, kinds[f.id], 1), markers_digest(markers), 0.0)
        after = reference_kin_digest(*item, markers_digest(markers), 0.0)
        assert (before == after) == (kinds[f.id] == "same"), kinds[f.id]
    taken = _second_night(markers, tmp_path, items)
    _as_fresh(taken, markers, items)
    assert taken.from_memo == sum(k == "same" for k in kinds.values()) == 2
    # what changed is not what the first night had: other relatives (other references) or
    # other ids (re-typed, conditioned, another observation model)
    fresh1 = ReferenceKinTables(markers)
    for f, item in zip(chosen, items):
        one = _night(f, kinds[f.id], 1)
        fresh1.entry(*one)
        changed = (fresh1.entry(*one)[0], fresh1.ids(*one)) != \
            (taken.entry(*item)[0], taken.ids(*item))
        assert changed == (kinds[f.id] != "same"), kinds[f.id]
    # The next memo holds tonight's families only (the changed ones' old entries have
    # rows no longer kept) and is read back whole.
    memo = taken.memo_now()
    save_reference_kin_memo(tmp_path / "memo2.npz", memo)
    assert load_reference_kin_memo(tmp_path / "memo2.npz").entries == memo.entries
    assert set(memo.entries) == {reference_kin_digest(*i, markers_digest(markers), 0.0)
                                 for i in items}


@settings(deadline=None, max_examples=6)
@given(st.lists(st.sampled_from(KINDS), min_size=3, max_size=6), st.integers(0, 40))
def test_taken_from_the_memo_equals_drawn_and_compiled(
        tmp_path_factory: pytest.TempPathFactory, kinds: list[str], start: int) -> None:
    families = _families()[start:start + len(kinds)]
    markers = programme_with_panel().markers
    tmp = tmp_path_factory.mktemp("kin")
    _first_night(markers, [_night(f, k, 1) for f, k in zip(families, kinds)], tmp)
    items = [_night(f, k, 2) for f, k in zip(families, kinds)]
    taken = _second_night(markers, tmp, items)
    _as_fresh(taken, markers, items)
    assert taken.from_memo == sum(k == "same" for k in kinds)
    assert taken.from_memo < len(items) or set(kinds) == {"same"}


def test_a_memo_without_its_rows_draws_again(tmp_path: Path) -> None:
    """A memo whose rows are not in the rows' file (a later night's memo beside an older
    file, or rows lost) is not used: the families are drawn and compiled."""
    families = _families()[:4]
    markers = programme_with_panel().markers
    items = [_night(f, "same", 1) for f in families]
    _first_night(markers, items, tmp_path)
    (tmp_path / "kin.npz").unlink()
    taken = _second_night(markers, tmp_path, items)
    _as_fresh(taken, markers, items)
    assert taken.from_memo == 0


def test_a_wrong_entry_is_never_used_for_another_content(tmp_path: Path) -> None:
    """Entries are found by the digest of the content: one family's entry under another
    digest is not found for that family."""
    families = _families()[:3]
    markers = programme_with_panel().markers
    items = [_night(f, "same", 1) for f in families]
    _first_night(markers, items, tmp_path)
    memo = load_reference_kin_memo(tmp_path / "memo.npz")
    digest = markers_digest(markers)
    # the memo of night 1 under theta 0.01's digests: nothing is found at theta 0
    moved = ReferenceKinMemo({reference_kin_digest(*i, digest, 0.01):
                              memo.entries[reference_kin_digest(*i, digest, 0.0)]
                              for i in items})
    taken = _second_night(markers, tmp_path, items, memo=moved)
    _as_fresh(taken, markers, items)
    assert taken.from_memo == 0


def test_the_digest_follows_every_part_of_the_content() -> None:
    f = _families()[0]
    markers = programme_with_panel().markers
    digest = markers_digest(markers)
    refs = distant_references(f)
    base = reference_kin_digest(f, refs, None, digest, 0.0)
    reordered = dataclasses.replace(f, genotypes=dict(reversed(list(f.genotypes.items()))))
    assert reference_kin_digest(reordered, refs, None, digest, 0.0) == base
    assert reference_kin_digest(f, refs, {}, digest, 0.0) == base
    ped = f.pedigree
    wider = ped.from_records([*ped.records(), ("X", None, None, "M")])
    changed = [_retyped(f), dataclasses.replace(f, id="other"),
               dataclasses.replace(f, pedigree=wider),
               dataclasses.replace(f, missing=[*f.missing, "extra"])]
    assert all(reference_kin_digest(c, refs, None, digest, 0.0) != base for c in changed)
    assert reference_kin_digest(f, [*refs, "X"], None, digest, 0.0) != base
    assert reference_kin_digest(f, [], None, digest, 0.0) != base
    assert reference_kin_digest(f, refs, {"X": Observation(dropout=0.1)}, digest,
                                0.0) != base
    assert reference_kin_digest(f, refs, {"X": Observation(dropout=0.1)}, digest, 0.0) != \
        reference_kin_digest(f, refs, {"X": Observation(dropout=0.1, dropin=0.05)}, digest,
                             0.0)
    assert reference_kin_digest(f, refs, None, digest, 0.01) != base
    assert reference_kin_digest(f, refs, None, markers_digest(markers[:-1]), 0.0) != base


hexes = st.text("0123456789abcdef", min_size=64, max_size=64)
texts = st.text(min_size=0, max_size=12)


@settings(deadline=None, max_examples=30)
@given(st.dictionaries(hexes, st.lists(st.tuples(texts, texts, texts, st.booleans(),
                                                 st.sampled_from(["M", "F", "U"]), hexes),
                                       max_size=4), max_size=5))
def test_the_memo_file_round_trips(tmp_path_factory: pytest.TempPathFactory,
                                   entries: dict) -> None:
    path = tmp_path_factory.mktemp("memo") / "kin.npz"
    save_reference_kin_memo(path, ReferenceKinMemo(entries))
    assert load_reference_kin_memo(path).entries == entries


def test_a_damaged_or_foreign_memo_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "kin.npz"
    entries = {"a" * 64: [("R/child", "child of reference R", "R", False, "U", "b" * 64)]}
    save_reference_kin_memo(path, ReferenceKinMemo(entries))
    for damage in damaged_npz(path, "relation/utf8.npy"):
        path.write_bytes(damage)
        with pytest.warns(CacheWarning, match="references' relatives' memo could not be read"):
            assert load_reference_kin_memo(path).entries == {}
    # a memo of unknown rules written before memo files recorded theirs: damage or not, it
    # cannot be told apart
    _save_untagged(path, "reference-kin-0", entries)
    with pytest.warns(CacheWarning, match="does not match its sha256"):
        assert load_reference_kin_memo(path).entries == {}
    assert load_reference_kin_memo(tmp_path / "absent.npz").entries == {}
    assert load_reference_kin_memo(None).entries == {}


def _save_untagged(path: Path, rules: str, entries: dict) -> None:
    """A memo as written before files recorded their rules (main, b18a811)."""
    arrays = _arrays(entries, _COLUMNS)
    save_npz(path, arrays, {"sha256": arrays_sha256(rules, arrays, _names(_COLUMNS))})


def test_a_memo_of_earlier_rules_is_drawn_again_without_a_warning(tmp_path: Path) -> None:
    """Outside check h_fix, note 10: the first run after an upgrade that raised RULES
    (reference-kin-2 -> 3) warned that the memo's "content does not match its sha256",
    which reads like damage: the rules version is hashed with the content, and the file did
    not say which it was written under. A file now records its rules; a memo of other rules,
    recorded or (for files written before) recognised by its sha256 among EARLIER_RULES, is
    no memo, without a warning. Damage still warns."""
    path = tmp_path / "kin.npz"
    entries = {"a" * 64: [("R/child", "child of reference R", "R", False, "U", "b" * 64)]}
    assert RULES not in EARLIER_RULES and "reference-kin-2" in EARLIER_RULES
    for write in (lambda: _save_untagged(path, "reference-kin-2", entries),
                  lambda: save_entries(path, "reference-kin-4", entries, _COLUMNS)):
        write()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert load_reference_kin_memo(path).entries == {}
    _save_untagged(path, RULES, entries)      # this version's rules, written untagged
    assert load_reference_kin_memo(path).entries == entries
    save_reference_kin_memo(path, ReferenceKinMemo(entries))
    assert load_npz(path, [])[1]["rules"] == RULES
    assert load_reference_kin_memo(path).entries == entries
    damage = next(iter(damaged_npz(path, "relation/utf8.npy")))
    path.write_bytes(damage)
    with pytest.warns(CacheWarning, match="references' relatives' memo could not be read"):
        assert load_reference_kin_memo(path).entries == {}
