"""Compiled tables kept as files that are never rewritten: a base file, files of later rows
appended beside it, and an index, written last, naming which stored rows are live and in
which order (``docs/store.md``, "The relatives' tables as appended pieces" and "The missing
persons' tables as appended pieces too").

A night changes a few families, so rewriting every row of a large table each night (the
relative alternatives' 1.6 GB and the missing persons' 522 MB at Peru scale) writes mostly
bytes that are already on disk. The relatives' tables are written by :func:`save_parted`,
the missing persons' (``identify``'s ``cache``) by :func:`save_compiled`.
:func:`save_parted` writes only the rows that are not stored yet, as a new *piece* (an
ordinary tables file, :meth:`CompiledTables.save_rows`, under a fresh name
``<stem>.part-<token>.npz``), then the *index* at the table's own path (``<stem>.npz``): for
each row of the table, its piece and its row there. The table read back
(:func:`load_tables`, a :class:`PartedTables`) is the table a full write of the same rows
gives, row for row and bit for bit.

Crash rules. No file that an index names is ever written again: a piece is written to a
temporary name and renamed to a name not used before, and the index is renamed over the old
index only after its pieces are whole on disk. A run killed at any point therefore leaves
either the old index, whose pieces are all still there (nothing is deleted before the new
index is in place), or the new one, whose pieces are all there. Pieces no index names (those
of a killed write, those a compaction or merge replaced) are deleted by the next write, after
its index is in place. Writers take an exclusive lock (``<stem>.lock``, ``flock``); a writer
whose loaded index is not the one on disk any more (another run wrote since) writes in full.
A reader needs no lock: a piece deleted under it (by a compaction between its reading the
index and the piece) is a missing file, which raises, and the caller compiles again
(:class:`~forensic_match.errors.CacheWarning`), never reads a wrong row.

Compaction. Rows that no longer belong to the table stay in their pieces (*dead*) until a
full write drops them: when dead rows would exceed :data:`COMPACT_DEAD_FRACTION` of the stored
rows, everything is written as one new base piece (the same file a full write gives). When
the pieces would exceed :data:`MAX_PIECES`, the live rows of every piece but the base are
written, with the new rows, as one piece (the base is kept).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import secrets
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.dvi.compile import CompiledRow, CompiledTables
from forensic_match.markers import Marker

#: ``format`` of an index file's metadata.
INDEX_FORMAT = "forensic_match.table_parts/1"
#: A write compacts (one new base file of the live rows) when the dead rows would exceed this
#: fraction of the rows stored in the pieces.
COMPACT_DEAD_FRACTION = 0.2
#: At most this many pieces: past it, the pieces after the base are merged into one.
MAX_PIECES = 16


def _hook(step: str) -> None:
    """Called between the steps of :func:`save_parted` (tests raise here to stand for a
    killed run)."""


def piece_digest(path: Path) -> str:
    """sha256 of a piece's zip directory entries (member names, sizes and CRC-32s): the
    index names a piece's content by it, not by its file name alone."""
    with zipfile.ZipFile(path) as zf:
        text = "|".join(f"{i.filename}:{i.file_size}:{i.CRC}" for i in zf.infolist())
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class PartedTables:
    """A table whose row ``i`` is row ``local[i]`` of ``pieces[part[i]]`` (read by
    :func:`load_tables`; all pieces of one panel, theta and row shape).

    Gives what a run reads of reused tables (``rows``, ``sex``, ``keys``, ``theta``,
    ``markers``, :meth:`row`); :meth:`CompiledTables.gather` and :meth:`CompiledTables.
    save_rows` take ``(parted, r)`` picks through :meth:`locate`.
    """

    path: Path
    generation: str
    pieces: list[CompiledTables]
    files: list[str]
    part: np.ndarray
    local: np.ndarray
    rows: list[tuple[str, str]]
    sex: list[str]
    keys: list[str]

    @property
    def markers(self) -> tuple[Marker, ...]:
        return self.pieces[0].markers

    @property
    def offsets(self) -> np.ndarray:
        return self.pieces[0].offsets

    @property
    def theta(self) -> float:
        return self.pieces[0].theta

    def row_shape(self, name: str) -> tuple[int, ...]:
        """Shape of one row of array ``name`` (as ``CompiledTables``'s ``.shape[1:]``)."""
        return tuple(getattr(self.pieces[0], name).shape[1:])

    def locate(self, r: int) -> tuple[CompiledTables, int]:
        """The piece and the row there that hold row ``r``."""
        return self.pieces[int(self.part[r])], int(self.local[r])

    def row(self, r: int) -> CompiledRow:
        table, at = self.locate(r)
        return table.row(at)

    def stored(self) -> int:
        """Rows stored in the pieces, live or dead."""
        return sum(len(p.rows) for p in self.pieces)

    def tables(self) -> CompiledTables:
        """The whole table as one :class:`CompiledTables` (a copy of every row)."""
        return self._whole(CompiledTables.gather)

    def picked(self) -> Any:
        """The whole table as a :class:`~forensic_match.dvi.picked_tables.PickedTables`
        with its row keys: the search reads the rows where they are (nothing copied)."""
        from forensic_match.dvi.picked_tables import PickedTables

        return self._whole(PickedTables)

    def _whole(self, make: Any) -> Any:
        """``make(markers, rows, picks, sex, theta)`` over every row, with the row keys."""
        out = make(self.markers, list(self.rows), [(self, r) for r in range(len(self.rows))],
                   list(self.sex), self.theta)
        out.keys = list(self.keys)
        return out


def load_tables(path: str | Path) -> CompiledTables | PartedTables:
    """Tables at ``path``: a :class:`PartedTables` when the file is an index of
    :func:`save_parted`, else the tables file itself (:meth:`CompiledTables.load`).

    Raises
    ------
    Exception
        A damaged, cut or missing index or piece (``zipfile.BadZipFile``,
        ``FileNotFoundError``, ``ValueError`` naming the file); callers of cached tables
        turn it into a :class:`~forensic_match.errors.CacheWarning` and compile again.
    """
    path = Path(path)
    return _load_index(path) if _is_index(path) else CompiledTables.load(path)


def _is_index(path: Path) -> bool:
    """Whether the zip file at ``path`` is an index (it holds ``part``), not tables."""
    with zipfile.ZipFile(path) as zf:
        return "part.npy" in zf.namelist()


def _load_index(path: Path) -> PartedTables:
    from forensic_match.dvi.npz_file import load_npz
    from forensic_match.markers import markers_digest

    data, meta = load_npz(path, ["part", "local"])
    if meta.get("format") != INDEX_FORMAT:
        raise ValueError(f"file {str(path)!r}: not a table index ({meta.get('format')!r})")
    part, local = data["part"], data["local"]
    files = [p["file"] for p in meta["pieces"]]
    if not files or part.shape != local.shape or part.ndim != 1:
        raise ValueError(f"file {str(path)!r}: an index without pieces or with arrays of "
                         f"shapes {part.shape} and {local.shape}")
    pieces = []
    for entry in meta["pieces"]:
        piece_path = path.with_name(entry["file"])
        if Path(entry["file"]).name != entry["file"]:
            raise ValueError(f"file {str(path)!r}: piece {entry['file']!r} is not a file "
                             f"name beside the index")
        if piece_digest(piece_path) != entry["digest"]:
            raise ValueError(f"file {str(piece_path)!r}: not the piece the index "
                             f"{str(path)!r} names (its content differs)")
        piece = CompiledTables.load(piece_path)
        if len(piece.rows) != entry["rows"] or len(piece.keys) != entry["rows"]:
            raise ValueError(f"file {str(piece_path)!r}: {len(piece.rows)} rows, the index "
                             f"{str(path)!r} names {entry['rows']}")
        pieces.append(piece)
    first = pieces[0]
    digest = markers_digest(first.markers)
    for name, piece in zip(files[1:], pieces[1:]):
        if piece.theta != first.theta or markers_digest(piece.markers) != digest or \
                piece.log10_lr.shape[1:] != first.log10_lr.shape[1:] or \
                piece.allele_sums.shape[1:] != first.allele_sums.shape[1:] or \
                piece.denominator.shape[1:] != first.denominator.shape[1:]:
            raise ValueError(f"file {str(path.with_name(name))!r}: a piece of another panel, "
                             f"theta or row shape than {files[0]!r}")
    sizes = np.array([len(p.rows) for p in pieces], dtype=np.int64)
    if len(part) and (part.min() < 0 or part.max() >= len(pieces) or local.min() < 0 or
                      np.any(local >= sizes[np.clip(part, 0, len(pieces) - 1)])):
        raise ValueError(f"file {str(path)!r}: the index names rows its pieces do not hold")
    rows = [pieces[p].rows[r] for p, r in zip(part.tolist(), local.tolist())]
    sex = [pieces[p].sex[r] for p, r in zip(part.tolist(), local.tolist())]
    keys = [pieces[p].keys[r] for p, r in zip(part.tolist(), local.tolist())]
    return PartedTables(path, meta["generation"], pieces, files, part, local, rows, sex, keys)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_name(path.name.removesuffix(".npz") + ".lock")
    with open(lock, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _on_disk_generation(path: Path) -> str | None:
    """The generation of the index at ``path``, or ``None`` (absent, not an index,
    unreadable)."""
    from forensic_match.dvi.npz_file import load_npz

    try:
        if not _is_index(path):
            return None
        return str(load_npz(path, [])[1].get("generation"))
    except Exception:  # noqa: BLE001 - an unreadable index is not the one we loaded
        return None


def _piece_glob(path: Path) -> str:
    return path.name.removesuffix(".npz") + ".part-*.npz"


def save_parted(path: str | Path, markers: Sequence[Marker],
                picks: Sequence[tuple[Any, int] | CompiledRow], rows: list[tuple[str, str]],
                sex: list[str], keys: list[str], theta: float = 0.0, *,
                previous: PartedTables | CompiledTables | None = None) -> dict[str, int]:
    """Write, as an index and pieces, the tables :meth:`CompiledTables.save_rows` writes of
    the same arguments; rows picked from ``previous`` (tables read from ``path`` by
    :func:`load_tables`) are not written again.

    Parameters
    ----------
    path : path
        The index (the table's path; an older full tables file there is replaced).
    markers, picks, rows, sex, keys, theta
        As :meth:`CompiledTables.save_rows`: row ``i`` is row ``picks[i][1]`` of the tables
        ``picks[i][0]`` (a :class:`CompiledTables` or :class:`PartedTables`) or the
        :class:`CompiledRow` ``picks[i]``.
    previous : PartedTables, optional
        The index last read from ``path``: its pieces are kept (when it is still the index
        on disk and its panel and theta are these) and its rows picked are referenced as
        they are in its files (a row changed in memory since, which the copy-on-write map
        allows, would not be seen: no caller changes these tables).

    Returns
    -------
    dict
        ``written`` (rows written now), ``stored`` (rows in the index's pieces), ``live``
        (rows of the table), ``pieces``, ``compacted`` (1 when everything was written).
    """
    from forensic_match.dvi.npz_file import save_npz
    from forensic_match.markers import markers_digest

    path = Path(path)
    if not picks:
        raise ValueError("no rows to write")
    markers = tuple(markers)
    with _locked(path):
        base = previous if isinstance(previous, PartedTables) and \
            previous.path.resolve() == path.resolve() and previous.theta == theta and \
            markers_digest(previous.markers) == markers_digest(markers) and \
            _on_disk_generation(path) == previous.generation else None
        # Each row: (piece of ``base``, its row) when stored, else -1 and the pick.
        where_part = np.full(len(picks), -1, dtype=np.int64)
        where_local = np.zeros(len(picks), dtype=np.int64)
        if base is not None:
            piece_of = {id(p): j for j, p in enumerate(base.pieces)}
            for i, pick in enumerate(picks):
                if isinstance(pick, CompiledRow):
                    continue
                table, r = pick
                if table is base:
                    where_part[i], where_local[i] = base.part[r], base.local[r]
                elif id(table) in piece_of and base.pieces[piece_of[id(table)]] is table:
                    where_part[i], where_local[i] = piece_of[id(table)], r
        new = np.flatnonzero(where_part < 0)
        kept = sorted(set(where_part[where_part >= 0].tolist()))
        if base is not None:
            stored = sum(len(base.pieces[j].rows) for j in kept) + len(new)
            dead = stored - len(picks)
            full = stored == 0 or dead > COMPACT_DEAD_FRACTION * stored
        else:
            full = True
        if full:
            written = _write_piece(path, markers, picks, rows, sex, keys, theta,
                                   range(len(picks)))
            files, digests, sizes = [written[0]], [written[1]], [len(picks)]
            part = np.zeros(len(picks), dtype=np.int32)
            local = np.arange(len(picks), dtype=np.int64)
            n_written = len(picks)
        else:
            assert base is not None
            # The base (piece 0) stays; past MAX_PIECES, the later pieces' live rows move
            # into tonight's piece with its new rows.
            later = [j for j in kept if j != 0]
            merge = len(kept) + (1 if len(new) else 0) > MAX_PIECES
            if merge:
                moved = np.flatnonzero(where_part > 0)
                where_part[moved] = -1
                new = np.flatnonzero(where_part < 0)
                later = []
            keep = ([0] if 0 in kept else []) + later
            renumber = {j: n for n, j in enumerate(keep)}
            files = [base.files[j] for j in keep]
            digests = [piece_digest(path.with_name(f)) for f in files]
            sizes = [len(base.pieces[j].rows) for j in keep]
            part = np.empty(len(picks), dtype=np.int32)
            local = where_local.copy()
            for i in np.flatnonzero(where_part >= 0):
                part[i] = renumber[int(where_part[i])]
            if len(new):
                written = _write_piece(path, markers, picks, rows, sex, keys, theta, new)
                part[new] = len(files)
                local[new] = np.arange(len(new))
                files.append(written[0])
                digests.append(written[1])
                sizes.append(len(new))
            n_written = len(new)
        _hook("pieces written")
        generation = secrets.token_hex(16)
        save_npz(path, {"part": part, "local": local},
                 {"format": INDEX_FORMAT, "generation": generation,
                  "pieces": [{"file": f, "digest": d, "rows": n}
                             for f, d, n in zip(files, digests, sizes)],
                  "rows": len(picks)})
        _hook("index written")
        named = set(files)
        for stray in path.parent.glob(_piece_glob(path)):
            if stray.name not in named and not stray.name.endswith(".tmp.npz"):
                stray.unlink(missing_ok=True)
                _hook("piece deleted")
    return {"written": n_written, "stored": int(sum(sizes)), "live": len(picks),
            "pieces": len(files), "compacted": int(full)}


def remove_parted(path: str | Path) -> None:
    """Remove the table at ``path``: the index (or a full tables file there), then every
    piece of it (``<stem>.part-*.npz``; temporary files are left to the sweep of their dead
    writer's pid). A run killed in between leaves pieces that no index names, which the next
    :func:`save_parted` deletes."""
    path = Path(path)
    with _locked(path):
        path.unlink(missing_ok=True)
        for stray in path.parent.glob(_piece_glob(path)):
            if not stray.name.endswith(".tmp.npz"):
                stray.unlink(missing_ok=True)


def save_compiled(path: str | Path, tables: CompiledTables,
                  previous: PartedTables | CompiledTables | None = None) -> dict[str, int]:
    """Write the tables :func:`~forensic_match.dvi.compile.compile_families` gave (the
    missing persons' own tables, identify's ``cache``) as :func:`save_parted` does: the rows
    it copied from ``previous`` (its ``reuse``, read from ``path`` by :func:`load_tables`;
    ``tables.reused_from``) are referenced in ``previous``'s pieces, only the rows it
    compiled are written. Read back, the same table as :meth:`CompiledTables.save` of
    ``tables``, bit for bit (the copied rows are ``previous``'s rows, unchanged).

    Tables without rows are written as one file (:meth:`CompiledTables.save`).

    Returns
    -------
    dict
        As :func:`save_parted` (``written`` is every row for tables without rows or a full
        write).
    """
    n = len(tables.rows)
    if n == 0:
        tables.save(path)
        return {"written": 0, "stored": 0, "live": 0, "pieces": 1, "compacted": 1}
    source = tables.reused_from
    if previous is None or len(source) != n:
        source = np.full(n, -1, dtype=np.int64)
    elif len(source) and int(source.max()) >= len(previous.rows):
        raise ValueError(f"file {str(path)!r}: the tables name rows of their reuse that it "
                         f"does not hold (another reuse than the one they were made from)")
    picks: list[tuple[Any, int]] = [(previous, int(s)) if s >= 0 else (tables, i)
                                    for i, s in enumerate(source.tolist())]
    return save_parted(path, tables.markers, picks, list(tables.rows), list(tables.sex),
                       list(tables.keys), tables.theta, previous=previous)


def _write_piece(path: Path, markers: tuple[Marker, ...],
                 picks: Sequence[tuple[Any, int] | CompiledRow], rows: list[tuple[str, str]],
                 sex: list[str], keys: list[str], theta: float, which: Any,
                 ) -> tuple[str, str]:
    """Write the rows ``which`` of the picks as a new piece; its file name and digest."""
    which = [int(i) for i in which]
    name = f"{path.name.removesuffix('.npz')}.part-{secrets.token_hex(8)}.npz"
    target = path.with_name(name)
    CompiledTables.save_rows(target, markers, [picks[i] for i in which],
                             [rows[i] for i in which], [sex[i] for i in which],
                             [keys[i] for i in which], theta)
    return name, piece_digest(target)


__all__ = ["COMPACT_DEAD_FRACTION", "INDEX_FORMAT", "MAX_PIECES", "PartedTables",
           "load_tables", "remove_parted", "save_compiled", "save_parted"]
