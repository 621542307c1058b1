"""The table and memo files (``dvi/npz_file.py``): what is saved is loaded bit for bit,
whether written whole or from blocks and whether read from the map or copied out of a file
numpy wrote; loaded arrays are the process's own (writing them never reaches the file, nor
does replacing the file reach them); a damaged or cut file raises; a failed save leaves the
old file whole and no temporary file."""

from __future__ import annotations

import json
import mmap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import damaged_npz
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forensic_match.dvi.npz_file import ALIGN, Blocks, load_npz, save_npz

DTYPES = [np.dtype(t) for t in ("float64", "float32", "bool", "int32", "int64", "uint8",
                                 "<U3", ">i4")]


def _arrays() -> st.SearchStrategy[np.ndarray]:
    return st.sampled_from(DTYPES).flatmap(lambda dt: hnp.arrays(
        dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _data_offsets(path: Path) -> dict[str, int]:
    """Where each member's array data starts in the file."""
    import struct

    whole = path.read_bytes()
    out = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            at = info.header_offset
            n, e = struct.unpack("<HH", whole[at + 26:at + 30])
            start = at + 30 + n + e
            header_len = struct.unpack("<H", whole[start + 8:start + 10])[0]
            out[info.filename[:-4]] = start + 10 + header_len
    return out


@settings(deadline=None, max_examples=60)
@given(arrays=st.dictionaries(st.sampled_from(["a", "b", "log10_lr", "x_y"]), _arrays(),
                              min_size=1),
       meta=st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4)),
       fortran=st.booleans())
def test_saved_arrays_and_meta_load_bit_for_bit(tmp_path_factory: pytest.TempPathFactory,
                                                arrays: dict[str, np.ndarray],
                                                meta: dict, fortran: bool) -> None:
    path = tmp_path_factory.mktemp("npz") / "t.npz"
    given_arrays = {k: np.asfortranarray(v) if fortran else v for k, v in arrays.items()}
    save_npz(path, given_arrays, meta)
    loaded, loaded_meta = load_npz(path)
    assert loaded_meta == json.loads(json.dumps(meta))
    assert set(loaded) == set(arrays)
    for k, v in given_arrays.items():
        assert _same(loaded[k], np.array(v, order="C")), k
    # Every member's data is aligned, so every array is a view of the map, not a copy.
    offsets = _data_offsets(path)
    assert all(at % ALIGN == 0 for at in offsets.values())
    assert all(isinstance(v.base, mmap.mmap) for v in loaded.values())
    part, _ = load_npz(path, [next(iter(arrays))])
    assert list(part) == [next(iter(arrays))]


@settings(deadline=None, max_examples=40)
@given(whole=hnp.arrays(st.sampled_from(DTYPES[:5]),
                        hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6)),
       cuts=st.lists(st.integers(0, 6), max_size=4))
def test_an_array_written_from_blocks_is_the_array(tmp_path_factory: pytest.TempPathFactory,
                                                   whole: np.ndarray, cuts: list[int]) -> None:
    path = tmp_path_factory.mktemp("npz") / "t.npz"
    at = sorted({min(c, len(whole)) for c in cuts} | {0, len(whole)})
    blocks = [whole[a:b] for a, b in zip(at, at[1:])]
    save_npz(path, {"w": Blocks(whole.dtype, whole.shape, blocks)}, {})
    other = path.with_name("u.npz")
    save_npz(other, {"w": whole}, {})
    assert path.read_bytes() == other.read_bytes()
    assert _same(load_npz(path)[0]["w"], whole)


def test_files_numpy_wrote_are_read(tmp_path: Path) -> None:
    """Files of the layout before this one (``numpy.savez``, unaligned members) and
    compressed ones are read, copied out."""
    rng = np.random.default_rng(1)
    arrays = {"f": rng.random((7, 9)), "b": rng.random((3, 4)) > 0.5, "s": np.array(2.5)}
    meta = np.frombuffer(json.dumps({"k": [1, 2]}).encode(), dtype=np.uint8)
    for write in (np.savez, np.savez_compressed):
        path = tmp_path / f"{write.__name__}.npz"
        write(path, **arrays, meta=meta)
        loaded, m = load_npz(path)
        assert m == {"k": [1, 2]}
        assert all(_same(loaded[k], v) and loaded[k].flags.aligned for k, v in arrays.items())


def test_loaded_arrays_are_the_process_own(tmp_path: Path) -> None:
    """Writing into a loaded array leaves the file as it was (copy-on-write map), and a
    file replaced by rename leaves the arrays loaded from the old one as they were."""
    path = tmp_path / "t.npz"
    first = np.arange(12, dtype=np.float64).reshape(3, 4)
    save_npz(path, {"t": first}, {})
    before = path.read_bytes()
    loaded, _ = load_npz(path)
    loaded["t"][1] = -1.0
    assert path.read_bytes() == before
    assert _same(load_npz(path)[0]["t"], first)
    kept, _ = load_npz(path)
    save_npz(path, {"t": first * 2}, {})
    assert _same(kept["t"], first)
    assert _same(load_npz(path)[0]["t"], first * 2)


def test_damaged_and_cut_files_raise(tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    rng = np.random.default_rng(2)
    save_npz(path, {"log10_lr": rng.random((40, 30)), "keys": np.arange(40)}, {"n": 40})
    for member in ("log10_lr.npy", "keys.npy", "meta.npy"):
        for damage in damaged_npz(path, member) + [b"", b"not a zip file"]:
            bad = tmp_path / "bad.npz"
            bad.write_bytes(damage)
            with pytest.raises(Exception):  # noqa: B017 - any error: the caller recompiles
                load_npz(bad)
    with pytest.raises(KeyError):
        load_npz(path, ["absent"])


def test_a_failed_save_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    save_npz(path, {"t": np.ones((2, 3))}, {"v": 1})
    before = path.read_bytes()
    short = Blocks(np.dtype(np.float64), (4, 3), [np.zeros((3, 3))])
    with pytest.raises(ValueError, match="needs"):
        save_npz(path, {"t": short}, {"v": 2})
    wrong = Blocks(np.dtype(np.float64), (4, 3), [np.zeros((4, 3), dtype=np.float32)])
    with pytest.raises(ValueError, match="block of dtype"):
        save_npz(path, {"t": wrong}, {"v": 2})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]
