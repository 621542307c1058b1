"""A case store for the report tests: the small dataset of the store tests, run once, with
one proposal reviewed and approved and an identity with an awkward name."""

from __future__ import annotations

from pathlib import Path

from store_helpers import write_small_dataset

from forensic_match.cases import load_case
from forensic_match.store import CaseStore, run_store

#: A name with every character HTML must escape, and Spanish and Quechua letters.
ODD_NAME = "Ñusta <b>Quispe</b> & \"Mamani\" 'Q'ero' <script>alert(1)</script>"
#: A plain name for a typed relative.
RELATIVE_NAME = "Teodora Huamán Ccori"


def build_report_store(folder: Path) -> tuple[Path, Path]:
    """The store (``cases.db``) and dataset file in ``folder``: two proposals; proposal 1
    reviewed by ana and approved by berta; identities for proposal 1's missing person and a
    typed relative of that family."""
    data = write_small_dataset(folder / "small.json")
    db = folder / "cases.db"
    with CaseStore(db) as store:
        run_store(store, load_case(data), dataset_path=data, min_markers=8)
        first = store.proposals()[0]
        fam = first["family_id"]
        store.set_identity(f"{fam}/{first['missing']}", ODD_NAME, actor="lab")
        store.set_identity(f"{fam}/{fam}_C1", RELATIVE_NAME, actor="lab")
        store.add_user("ana", ["reviewer"], actor="admin")
        store.add_user("berta", ["approver"], actor="admin")
        store.act(first["proposal_id"], "review", actor="ana",
                  reason="perfiles y árbol revisados")
        store.act(first["proposal_id"], "approve", actor="berta", reason="de acuerdo")
    return db, data
