"""``store.review.body_notes`` (what the one-body, one-person rule says of each proposal)
against its plain definition: every approved proposal compared with every other."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.store.review import body_notes


def _plain(rows: list[dict[str, Any]]) -> dict[int, list[tuple[str, int]]]:
    approved = [r for r in rows if r["state"] == "approved"]
    out: dict[int, list[tuple[str, int]]] = {}
    for r in rows:
        mine, person = set(r["pm"].split(",")), (r["family_id"], r["missing"])
        got = []
        if r["state"] in ("pending", "reviewed"):
            for o in approved:
                theirs, same = set(o["pm"].split(",")), (o["family_id"], o["missing"]) == person
                if same and theirs < mine:
                    got.append(("supersedes", o["proposal_id"]))
                elif same:
                    got.append(("blocked_person", o["proposal_id"]))
                elif mine & theirs:
                    got.append(("blocked_body", o["proposal_id"]))
        elif r["state"] in ("approved", "superseded"):
            live = ("pending", "reviewed") if r["state"] == "approved" else ("approved",)
            for o in rows:
                if (o["family_id"], o["missing"]) == person and o["state"] in live and \
                        set(o["pm"].split(",")) > mine:
                    got.append(("larger" if r["state"] == "approved" else "superseded_by",
                                o["proposal_id"]))
        if got:
            out[r["proposal_id"]] = got
    return out


@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["F1", "F2"]), st.sampled_from(["A", "B"]),
                          st.sets(st.sampled_from(["S1", "S2", "S3", "S4"]), min_size=1),
                          st.sampled_from(["pending", "reviewed", "approved", "rejected",
                                           "superseded"])), max_size=12))
def test_body_notes_equal_their_plain_definition(drawn: list[tuple]) -> None:
    rows = [{"proposal_id": k + 1, "family_id": f, "missing": m, "pm": ",".join(sorted(pm)),
             "state": state} for k, (f, m, pm, state) in enumerate(drawn)]
    got = {pid: [(n["kind"], n["id"]) for n in notes]
           for pid, notes in body_notes(rows).items()}
    assert got == _plain(rows)
