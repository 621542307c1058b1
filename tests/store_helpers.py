"""Shared pieces of the case-store tests: the store location and a small dataset.

Every store test runs on a real SQLite file in a temporary folder; with ``FM_STORE_URL`` set
(a SQLAlchemy URL of an empty PostgreSQL database, e.g.
``postgresql+psycopg://fm@localhost/fm_test``) they also run there. That database is wiped
(every table dropped) before each test.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROGRAMME = ROOT / "forensic_match" / "data" / "examples" / "programme_small.json"

#: Families whose missing person two PM fragments identify in the bundled programme.
FAMILIES = ("F0055", "F0021", "F0145")
PM_IDS = ("PM0066", "PM0086", "PM0136", "PM0143", "PM0001", "PM0002")


@cache
def programme_with_panel() -> Any:
    """The bundled programme (200 families, 150 PM samples) with its panel extended by every
    allele its samples show (``prepare_panel``), loaded once per test session."""
    from forensic_match.cases import load_case
    from forensic_match.dvi.identify import prepare_panel

    ds = load_case(PROGRAMME)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = prepare_panel(ds.markers, ds.am, ds.pm)
    return dataclasses.replace(ds, markers=panel)


def small_dataset_dict() -> dict[str, Any]:
    """Three families and six PM samples of the bundled programme: two bodies (two fragments
    each) are identified."""
    data = json.loads(PROGRAMME.read_text(encoding="utf-8"))
    out = {k: data[k] for k in ("kind", "id", "markers", "theta")}
    out["id"] = "store_small"
    out["am"] = [f for f in data["am"] if f["family"] in FAMILIES]
    out["pm"] = [p for p in data["pm"] if p["id"] in PM_IDS]
    return copy.deepcopy(out)


def write_small_dataset(path: Path, change: dict[str, Any] | None = None) -> Path:
    data = small_dataset_dict()
    if change:
        change_dataset(data, **change)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def change_dataset(data: dict[str, Any], *, pm: str | None = None,
                   relative: tuple[str, str] | None = None) -> None:
    """Change one genotype of a PM sample or of a family's typed relative (a re-typing)."""
    if pm is not None:
        sample = next(p for p in data["pm"] if p["id"] == pm)
        sample["genotypes"]["TH01"] = ["6", "9.3"]
    if relative is not None:
        fam = next(f for f in data["am"] if f["family"] == relative[0])
        fam["genotypes"][relative[1]].pop("TH01", None)


def wipe(url: str) -> None:
    """Drop every table of the database at ``url`` (a PostgreSQL test database)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
    engine.dispose()


@pytest.fixture(params=["sqlite", "url"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file in ``tmp_path``, then the database of ``FM_STORE_URL`` if set."""
    if request.param == "sqlite":
        return str(tmp_path / "cases.db")
    url = os.environ.get("FM_STORE_URL", "").strip()
    if not url:
        pytest.skip("FM_STORE_URL is not set: no PostgreSQL (or other) server to test the "
                    "store on; the SQLite variant ran")
    wipe(url)
    return url


def fragment_joined_after_approval(store: Any) -> tuple[int, int]:
    """The sequence of an outside check (h_months, 2026-12-08) on ``store`` (empty): night 1
    lacks PM0086, so F0055's missing person is proposed and approved on PM0066 alone; night 2
    brings PM0086, joined to it, and proposes the whole body, flagging the first proposal
    "... is proposed with the PM samples PM0066,PM0086 (one body)"; a reviewer reopens the
    first, clears that flag, and another user approves it again; the whole body's proposal
    is reviewed. Users: ana (reviewer), berta (approver). Returns the ids of the first
    fragment's proposal and of the whole body's."""
    from forensic_match.cases import case_from_dict
    from forensic_match.store import run_store

    night1 = small_dataset_dict()
    night1["pm"] = [p for p in night1["pm"] if p["id"] != "PM0086"]
    run_store(store, case_from_dict(night1), min_markers=8)
    store.add_user("ana", ["reviewer"], actor="admin")
    store.add_user("berta", ["approver"], actor="admin")
    (part,) = [p["proposal_id"] for p in store.proposals() if p["pm"] == "PM0066"]
    store.act(part, "review", actor="ana", reason="profiles and pedigree checked")
    store.act(part, "approve", actor="berta", reason="agree")
    run_store(store, case_from_dict(small_dataset_dict()), min_markers=8)
    (whole,) = [p["proposal_id"] for p in store.proposals() if p["pm"] == "PM0066,PM0086"]
    flag = next(p for p in store.proposals() if p["proposal_id"] == part)["stale_reason"]
    assert "F0055/F0055_MP1 is proposed with the PM samples PM0066,PM0086 (one body)" in flag
    store.act(part, "reopen", actor="berta", reason="a second fragment was joined")
    store.act(part, "review", actor="ana", reason="the pair still holds", clear_flag=True)
    store.act(part, "approve", actor="berta", reason="still right")
    store.act(whole, "review", actor="ana", reason="both fragments checked")
    return part, whole
