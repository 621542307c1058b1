"""Pedigree construction, validation messages, loops, queries and relationship builders."""

from __future__ import annotations

import random
import re

import networkx as nx
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import InputError, PedigreeError
from forensic_match.pedigree import (
    RELATIONSHIPS,
    Pedigree,
    avuncular,
    first_cousins,
    full_siblings,
    grandparent,
    half_siblings,
    missing_person_family,
    parent_child,
    trio,
    unrelated,
)


def exact(message: str) -> str:
    """A pattern that matches ``message`` and nothing more."""
    return "^" + re.escape(message) + "$"


def ped(*records: tuple) -> Pedigree:
    return Pedigree.from_records(list(records))


# --- validation ------------------------------------------------------------------------------


def test_error_hierarchy() -> None:
    assert issubclass(PedigreeError, InputError)
    assert issubclass(PedigreeError, ValueError)


def test_unknown_parent() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 2: father 'X' of 'C' is not in the pedigree")):
        ped(("A", None, None, "F"), ("C", "X", "A", "M"))
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 2: mother 'Y' of 'C' is not in the pedigree")):
        ped(("A", None, None, "M"), ("C", "A", "Y", "M"))


def test_duplicate_id() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 3: duplicate individual id 'A' (first at pedigree record 1)")):
        ped(("A", None, None, "M"), ("B", None, None, "F"), ("A", None, None, "F"))


def test_female_father() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 3: father 'A' of 'C' is female")):
        ped(("A", None, None, "F"), ("B", None, None, "F"), ("C", "A", "B", "M"))


def test_male_mother() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 3: mother 'B' of 'C' is male")):
        ped(("A", None, None, "M"), ("B", None, None, "M"), ("C", "A", "B", "M"))


def test_parent_of_unknown_sex() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 3: father 'A' of 'C' is of unknown sex")):
        ped(("A", None, None, "U"), ("B", None, None, "F"), ("C", "A", "B", "M"))


def test_own_ancestor_two_generations() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 1: 'A' is their own ancestor (cycle A -> B -> A)")):
        ped(("A", "B", "MA", "M"), ("B", "A", "MB", "M"),
            ("MA", None, None, "F"), ("MB", None, None, "F"))


def test_own_ancestor_three_generations() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 1: 'A' is their own ancestor (cycle A -> B -> C -> A)")):
        ped(("A", "C", "M1", "M"), ("B", "A", "M2", "M"), ("C", "B", "M3", "M"),
            ("M1", None, None, "F"), ("M2", None, None, "F"), ("M3", None, None, "F"))


def test_own_ancestor_through_a_mother() -> None:
    # A grandmother who is her own granddaughter.
    with pytest.raises(PedigreeError, match=r"^pedigree record \d: '\w+' is their own ancestor "
                                            r"\(cycle "):
        ped(("G", "F1", "D", "F"), ("F1", None, None, "M"), ("F2", None, None, "M"),
            ("D", "F2", "G", "F"))


def test_own_parent() -> None:
    with pytest.raises(PedigreeError, match=exact("pedigree record 1: 'A' is their own father")):
        ped(("A", "A", "M1", "M"), ("M1", None, None, "F"))
    with pytest.raises(PedigreeError, match=exact("pedigree record 2: 'B' is their own mother")):
        ped(("F1", None, None, "M"), ("B", "F1", "B", "F"))


def test_one_parent_only() -> None:
    message = ("pedigree record 2: individual 'C' has one parent only; give both or neither "
               "(add an untyped founder for the other)")
    with pytest.raises(PedigreeError, match=exact(message)):
        ped(("A", None, None, "M"), ("C", "A", None, "M"))
    with pytest.raises(PedigreeError, match="individual 'C' has one parent only"):
        ped(("B", None, None, "F"), ("C", None, "B", "M"))


def test_bad_sex_code() -> None:
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 1, individual 'A': sex 'X' is not one of M, F, U (or 1, 2, 0)")):
        ped(("A", None, None, "X"))
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 1, individual 'A': sex 3 is not one of M, F, U (or 1, 2, 0)")):
        ped(("A", None, None, 3))


def test_sex_codes_accepted() -> None:
    p = ped(("A", None, None, 1), ("B", None, None, "female"), ("C", "A", "B", "0"),
            ("D", None, None, None), ("E", None, None, " m "))
    assert [p.sex_of(i) for i in "ABCDE"] == ["M", "F", "U", "U", "M"]
    assert p.sex.dtype == np.int8 and list(p.sex) == [1, 2, 0, 0, 1]


def test_malformed_records() -> None:
    with pytest.raises(PedigreeError, match=exact("pedigree: no individuals")):
        Pedigree.from_records([])
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 1: expected (id, father, mother, sex), got ('A', None)")):
        Pedigree.from_records([("A", None)])
    with pytest.raises(PedigreeError, match=exact("pedigree record 1: record has no 'id'")):
        Pedigree.from_records([{"father": "X"}])
    with pytest.raises(PedigreeError, match=exact("pedigree record 2: empty individual id")):
        ped(("A", None, None, "M"), ("  ", None, None, "M"))
    for word in ("0", "NA", "None", "nan"):
        with pytest.raises(PedigreeError, match=exact(
                f"pedigree record 2: individual id {word!r} is one of the words that mean 'no "
                f"parent' in the father and mother columns (0, NA, None, null, nan); give the "
                f"person another id")):
            ped(("A", None, None, "M"), (f" {word} ", None, None, "M"))


def test_from_records_dicts_and_missing_parent_markers() -> None:
    p = Pedigree.from_records([{"id": "F", "father": "0", "mother": "NA", "sex": "M"},
                               {"id": "M", "sex": "F"},
                               {"id": "C", "father": "F", "mother": "M", "sex": "F"}])
    assert p.founders == ("F", "M")
    assert p.parents("C") == ("F", "M")


def test_source_and_line_in_messages() -> None:
    records = [("A", None, None, "M"), ("C", "X", "A", "M")]
    with pytest.raises(PedigreeError, match=exact(
            "file 'fam.csv', line 3: father 'X' of 'C' is not in the pedigree")):
        Pedigree.from_records(records, source="fam.csv", first_line=2)
    with pytest.raises(PedigreeError, match=exact(
            "case.json, record 2: father 'X' of 'C' is not in the pedigree")):
        Pedigree.from_records(records, source="case.json")


# --- from_table ------------------------------------------------------------------------------


def write(path, text: str):
    path.write_text(text)
    return path


def test_from_table_csv(tmp_path) -> None:
    path = write(tmp_path / "family.csv",
                 "id,father,mother,sex\nAF,,,M\nMO,0,NA,F\nC,AF,MO,1\n")
    p = Pedigree.from_table(path)
    assert p == trio()
    assert p.source == str(path)
    assert Pedigree.from_table(str(path)) == p


def test_from_table_csv_error_names_file_and_line(tmp_path) -> None:
    path = write(tmp_path / "family.csv",
                 "id,father,mother,sex\nAF,,,M\nMO,,,F\nC,AX,MO,M\n")
    with pytest.raises(PedigreeError, match=exact(
            f"file {str(path)!r}, line 4: father 'AX' of 'C' is not in the pedigree")):
        Pedigree.from_table(path)


def test_from_table_csv_sex_and_duplicate_errors(tmp_path) -> None:
    path = write(tmp_path / "sex.csv", "id,father,mother,sex\nAF,,,M\nMO,,,Q\n")
    with pytest.raises(PedigreeError, match=exact(
            f"file {str(path)!r}, line 3, individual 'MO': sex 'Q' is not one of M, F, U "
            f"(or 1, 2, 0)")):
        Pedigree.from_table(path)
    path = write(tmp_path / "dup.csv", "id,father,mother,sex\nAF,,,M\nMO,,,F\nAF,,,M\n")
    with pytest.raises(PedigreeError, match=exact(
            f"file {str(path)!r}, line 4: duplicate individual id 'AF' (first at file "
            f"{str(path)!r}, line 2)")):
        Pedigree.from_table(path)


def test_from_table_csv_female_father(tmp_path) -> None:
    path = write(tmp_path / "f.csv", "id,father,mother,sex\nAF,,,F\nMO,,,F\nC,AF,MO,M\n")
    with pytest.raises(PedigreeError, match=exact(
            f"file {str(path)!r}, line 4: father 'AF' of 'C' is female")):
        Pedigree.from_table(path)


def test_from_table_missing_columns_and_unreadable(tmp_path) -> None:
    path = write(tmp_path / "cols.csv", "id,father,sex\nA,,M\n")
    with pytest.raises(PedigreeError, match=exact(f"{path}: missing columns ['mother']")):
        Pedigree.from_table(path)
    missing = tmp_path / "absent.csv"
    with pytest.raises(PedigreeError, match="^" + re.escape(
            f"file {str(missing)!r}: cannot read pedigree: ")):
        Pedigree.from_table(missing)


def test_from_table_trailing_blank_lines(tmp_path) -> None:
    path = write(tmp_path / "blank.csv", "id,father,mother,sex\r\nAF,,,M\r\nMO,,,F\r\n"
                                         "C,AF,MO,M\r\n\r\n\r\n")
    assert Pedigree.from_table(path) == trio()


def test_from_table_frame_and_columns() -> None:
    frame = pl.DataFrame({"ID": ["AF", "MO", "C"], "Father": [None, None, "AF"],
                          "Mother": [None, None, "MO"], "Sex": ["M", "F", "M"]})
    assert Pedigree.from_table(frame) == trio()
    assert Pedigree.from_table({"id": ["AF", "MO", "C"], "father": [None, None, "AF"],
                                "mother": [None, None, "MO"], "sex": [1, 2, 1]}) == trio()
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 3: father 'X' of 'C' is not in the pedigree")):
        Pedigree.from_table(frame.with_columns(pl.Series("Father", [None, None, "X"])))


def test_table_round_trip() -> None:
    p = first_cousins()
    assert Pedigree.from_table(p.to_table()) == p
    assert Pedigree.from_records(p.to_dicts()) == p


# --- loops and inbreeding --------------------------------------------------------------------


def undirected_cycles(p: Pedigree) -> list:
    return nx.cycle_basis(p.graph.to_undirected())


def test_first_cousin_marriage_is_allowed() -> None:
    p = first_cousins(sexes=("M", "F")).add([("X", "C1", "C2", "M")])
    assert p.parents("X") == ("C1", "C2")
    assert {"GF", "GM"} <= p.ancestors("X")
    assert undirected_cycles(p)
    order = list(p.topological_order)
    for i in range(len(p)):
        for parent in (p.father[i], p.mother[i]):
            if parent >= 0:
                assert order.index(parent) < order.index(i)


def test_double_first_cousins_are_allowed() -> None:
    # Two brothers marry two sisters; their children are double first cousins.
    p = ped(("GF1", None, None, "M"), ("GM1", None, None, "F"),
            ("GF2", None, None, "M"), ("GM2", None, None, "F"),
            ("B1", "GF1", "GM1", "M"), ("B2", "GF1", "GM1", "M"),
            ("S1", "GF2", "GM2", "F"), ("S2", "GF2", "GM2", "F"),
            ("C1", "B1", "S1", "M"), ("C2", "B2", "S2", "F"))
    assert p.ancestors("C1") == {"B1", "S1", "GF1", "GM1", "GF2", "GM2"}
    assert p.ancestors("C1") - {"B1", "S1"} == p.ancestors("C2") - {"B2", "S2"}
    assert len(undirected_cycles(p)) >= 2
    assert p.is_connected()


def test_inbreeding_is_allowed() -> None:
    # A father with his daughter, and a brother with his sister.
    p = trio(child="D", child_sex="F").add([("X", "AF", "D", "M")])
    assert p.parents("X") == ("AF", "D")
    assert p.ancestors("X") == {"AF", "MO", "D"}
    s = full_siblings(ids=["B", "S"], sexes=["M", "F"]).add([("Y", "B", "S", "U")])
    assert s.ancestors("Y") == {"B", "S", "FA", "MO"}
    assert s.descendants("FA") == {"B", "S", "Y"}


def test_same_father_and_mother_is_refused() -> None:
    # Caught as a wrong-sex parent: one person cannot be both male and female.
    with pytest.raises(PedigreeError, match=exact(
            "pedigree record 2: mother 'A' of 'C' is male")):
        ped(("A", None, None, "M"), ("C", "A", "A", "M"))


# --- queries, relabel and equality -----------------------------------------------------------


def test_queries() -> None:
    p = trio()
    assert len(p) == 3 and "C" in p and "Z" not in p
    assert p.founders == ("AF", "MO")
    assert p.parents("AF") is None
    assert p.children("AF") == ("C",) and p.children("C") == ()
    assert p.father.dtype == np.int32 and list(p.father) == [-1, -1, 0]
    assert repr(p) == "Pedigree(3 individuals, 2 founders)"
    with pytest.raises(PedigreeError, match=exact("individual 'Z' is not in the pedigree")):
        p.index("Z")
    assert not unrelated(["A", "B"]).is_connected()


def test_equality_is_order_independent() -> None:
    a = ped(("AF", None, None, "M"), ("MO", None, None, "F"), ("C", "AF", "MO", "M"))
    b = ped(("C", "AF", "MO", "M"), ("MO", None, None, "F"), ("AF", None, None, "M"))
    assert a == b
    assert a != ped(("AF", None, None, "M"), ("MO", None, None, "F"), ("C", "AF", "MO", "F"))
    assert a != unrelated(["AF", "MO", "C"])
    assert a.__eq__("not a pedigree") is NotImplemented


def test_relabel() -> None:
    p = trio().relabel({"C": "child", "AF": "father"})
    assert p.parents("child") == ("father", "MO")
    assert p == trio("child", "father", "MO")
    assert p.relabel({"child": "C", "father": "AF"}) == trio()
    with pytest.raises(PedigreeError, match="duplicate individual id 'MO'"):
        trio().relabel({"C": "MO"})


@settings(deadline=None, max_examples=30)
@given(st.integers(0, 2**32 - 1))
def test_relabel_and_shuffle_preserve_equality(seed: int) -> None:
    rnd = random.Random(seed)
    p = missing_person_family(relatives={"R1": "father", "R2": "full_sibling",
                                         "R3": "first_cousin_paternal", "R4": "child"})
    names = list(p.ids)
    new = [f"x{k}" for k in range(len(names))]
    rnd.shuffle(new)
    mapping = dict(zip(names, new, strict=True))
    records = p.relabel(mapping).records()
    rnd.shuffle(records)
    q = Pedigree.from_records(records)
    assert q == p.relabel(mapping)
    assert q.relabel({v: k for k, v in mapping.items()}) == p


def test_add() -> None:
    p = parent_child().add([("C2", "AF", "C_mother", "F")])
    assert p.children("AF") == ("C", "C2")
    with pytest.raises(PedigreeError, match="duplicate individual id 'C'"):
        p.add([("C", None, None, "M")])


# --- builders --------------------------------------------------------------------------------


def test_trio() -> None:
    p = trio()
    assert p.records() == [("AF", None, None, "M"), ("MO", None, None, "F"),
                           ("C", "AF", "MO", "M")]
    q = trio("kid", "dad", "mum", child_sex="F")
    assert q.parents("kid") == ("dad", "mum") and q.sex_of("kid") == "F"


def test_parent_child() -> None:
    p = parent_child()
    assert p.parents("C") == ("AF", "C_mother")
    assert p.founders == ("AF", "C_mother")
    q = parent_child(parent_sex="F", child="B", child_sex="F")
    assert q.parents("B") == ("B_father", "AM") and q.sex_of("B") == "F"
    r = parent_child(parent="P1", other_parent="P2")
    assert r.parents("C") == ("P1", "P2")
    with pytest.raises(PedigreeError, match="the parent must be male or female"):
        parent_child(parent_sex="U")


def test_full_siblings() -> None:
    p = full_siblings(3, sexes={"S2": "F"})
    assert p.children("FA") == p.children("MO") == ("S1", "S2", "S3")
    assert [p.sex_of(s) for s in ("S1", "S2", "S3")] == ["M", "F", "M"]
    q = full_siblings(ids=["A", "B"], sexes=["F", "U"], father="F0", mother="M0")
    assert q.parents("A") == q.parents("B") == ("F0", "M0")
    with pytest.raises(PedigreeError, match=exact("2 individuals ['A', 'B'] but 1 sexes")):
        full_siblings(ids=["A", "B"], sexes=["F"])
    with pytest.raises(PedigreeError, match=exact(
            "sexes given for ['Z'], who are not among ['S1', 'S2']")):
        full_siblings(sexes={"Z": "F"})


def test_half_siblings() -> None:
    p = half_siblings()
    assert p.parents("H1") == ("FA", "H1_mother")
    assert p.parents("H2") == ("FA", "H2_mother")
    q = half_siblings(paternal=False, ids=("A", "B"), sexes=("F", "M"))
    assert q.parents("A") == ("A_father", "MO") and q.parents("B") == ("B_father", "MO")
    assert q.sex_of("A") == "F"


def test_grandparent() -> None:
    p = grandparent()
    assert p.parents("GC") == ("GC_father", "GC_mother")
    assert p.parents("GC_father") == ("GP", "GC_father_mother")
    assert p.ancestors("GC") == {"GC_father", "GC_mother", "GP", "GC_father_mother"}
    q = grandparent(grandparent_sex="F", paternal=False, parent="P")
    assert q.parents("GC") == ("GC_father", "P")
    assert q.parents("P") == ("P_father", "GP") and q.sex_of("GP") == "F"


def test_avuncular() -> None:
    p = avuncular()
    assert p.parents("N") == ("N_father", "N_mother")
    assert p.parents("U") == p.parents("N_father") == ("U_father", "U_mother")
    q = avuncular(uncle="A", nephew="B", uncle_sex="F", nephew_sex="F", paternal=False)
    assert q.parents("B") == ("B_father", "B_mother")
    assert q.parents("A") == q.parents("B_mother") == ("A_father", "A_mother")
    assert q.sex_of("A") == q.sex_of("B") == "F"


def test_first_cousins() -> None:
    p = first_cousins()
    assert p.parents("C1") == ("C1_father", "C1_mother")
    assert p.parents("C2") == ("C2_father", "C2_mother")
    assert p.children("GF") == ("C1_father", "C2_father")
    q = first_cousins(parent_sexes=("M", "F"), grandparents=("G1", "G2"))
    assert q.parents("C2") == ("C2_father", "C2_mother")
    assert q.parents("C2_mother") == q.parents("C1_father") == ("G1", "G2")
    assert q.founders == ("G1", "G2", "C1_mother", "C2_father")


def test_unrelated() -> None:
    p = unrelated(["A", "B", "C"], ["M", "F", "U"])
    assert p.founders == ("A", "B", "C")
    assert [p.sex_of(i) for i in "ABC"] == ["M", "F", "U"]
    assert unrelated(["A"]).sex_of("A") == "M"


# --- missing_person_family -------------------------------------------------------------------


def family(**relatives: str) -> Pedigree:
    return missing_person_family(relatives=relatives)


def test_mpf_parents_and_siblings() -> None:
    p = family(R1="father", R2="full_sibling")
    assert p.parents("MP") == p.parents("R2") == ("R1", "MP_mother")
    p = family(R1="half_sibling_paternal", R2="half_sibling_maternal")
    assert p.parents("MP") == ("MP_father", "MP_mother")
    assert p.parents("R1") == ("MP_father", "R1_mother")
    assert p.parents("R2") == ("R2_father", "MP_mother")
    p = family(R1="father", R2="mother")
    assert p == trio("MP", "R1", "R2")


def test_mpf_children_and_spouse() -> None:
    p = family(K1="child", K2="child")
    assert p.parents("K1") == p.parents("K2") == ("MP", "MP_spouse")
    p = missing_person_family(missing="X", missing_sex="F",
                              relatives={"K": "child", "W": "spouse"}, sexes={"K": "F"})
    assert p.parents("K") == ("W", "X")
    assert p.sex_of("W") == "M" and p.sex_of("K") == "F"
    assert p.founders == ("X", "W")


def test_mpf_grandparents_uncles_aunts() -> None:
    p = family(G1="paternal_grandfather", G2="maternal_grandmother", U="paternal_uncle",
               A="maternal_aunt")
    assert p.parents("MP") == ("MP_father", "MP_mother")
    assert p.parents("MP_father") == p.parents("U") == ("G1", "MP_paternal_grandmother")
    assert p.parents("MP_mother") == p.parents("A") == ("MP_maternal_grandfather", "G2")
    assert p.sex_of("U") == "M" and p.sex_of("A") == "F"
    q = family(G="paternal_grandmother", A="paternal_aunt", U="maternal_uncle",
               H="maternal_grandfather")
    assert q.parents("A") == ("MP_paternal_grandfather", "G")
    assert q.parents("U") == q.parents("MP_mother") == ("H", "MP_maternal_grandmother")


def test_mpf_nephews_and_nieces() -> None:
    p = family(N="nephew_via_brother", M="niece_via_sister")
    assert p.parents("N") == ("N_father", "N_mother")
    assert p.parents("N_father") == p.parents("MP") == ("MP_father", "MP_mother")
    assert p.parents("M") == ("M_father", "M_mother")
    assert p.parents("M_mother") == ("MP_father", "MP_mother")
    assert p.sex_of("N") == "M" and p.sex_of("M") == "F"
    q = family(A="niece_via_brother", B="nephew_via_sister")
    assert q.parents("A_father") == q.parents("B_mother") == ("MP_father", "MP_mother")


def test_mpf_cousins() -> None:
    p = family(P="first_cousin_paternal", Q="first_cousin_maternal")
    assert p.parents("P") == ("P_father", "P_mother")
    assert p.parents("P_father") == p.parents("MP_father")
    assert p.parents("Q_mother") == p.parents("MP_mother") == ("MP_maternal_grandfather",
                                                               "MP_maternal_grandmother")
    q = missing_person_family(relatives={"A": "first_cousin_via_paternal_aunt",
                                         "B": "first_cousin_via_maternal_uncle"},
                              sexes={"A": "F"})
    assert q.parents("A_mother") == ("MP_paternal_grandfather", "MP_paternal_grandmother")
    assert q.parents("B_father") == ("MP_maternal_grandfather", "MP_maternal_grandmother")
    assert q.sex_of("A") == "F" and q.sex_of("B") == "M"


def test_mpf_every_relationship_word() -> None:
    for word in RELATIONSHIPS:
        p = missing_person_family(relatives={"R": word})
        assert "R" in p and "MP" in p
        if word != "spouse":
            assert p.is_connected(), word


def test_mpf_sexes() -> None:
    p = missing_person_family(relatives={"S": "full_sibling", "C": "child", "F": "father"},
                              sexes={"S": "F", "F": "M"})
    assert p.sex_of("S") == "F" and p.sex_of("C") == "M" and p.sex_of("F") == "M"
    with pytest.raises(PedigreeError, match=exact(
            "relative 'A' is the paternal_aunt of 'MP' and cannot have sex 'M'")):
        missing_person_family(relatives={"A": "paternal_aunt"}, sexes={"A": "M"})
    with pytest.raises(PedigreeError, match=exact(
            "sexes given for ['Z'], who are not among the relatives")):
        missing_person_family(relatives={"A": "father"}, sexes={"Z": "F"})


def test_mpf_errors() -> None:
    with pytest.raises(PedigreeError, match=r"^relative 'R1': unknown relationship 'cousin'; "
                                            r"expected one of father, mother, full_sibling, "):
        family(R1="cousin")
    with pytest.raises(PedigreeError, match=exact(
            "relatives 'A' and 'B' are both the father of 'MP'")):
        family(A="father", B="father")
    with pytest.raises(PedigreeError, match=exact(
            "the missing person 'MP' is also listed as a relative")):
        family(MP="father")
    with pytest.raises(PedigreeError, match=exact(
            "child 'K': the missing person 'MP' must be male or female to have children")):
        missing_person_family(missing_sex="U", relatives={"K": "child"})
    with pytest.raises(PedigreeError, match=exact(
            "relative id 'MP_father' clashes with the untyped father of 'MP' that the "
            "pedigree needs; rename the relative")):
        family(MP_father="full_sibling")
    with pytest.raises(PedigreeError, match=exact(
            "relative id 'N_father' clashes with the untyped father of 'N' that the pedigree "
            "needs; rename the relative")):
        family(N="nephew_via_brother", N_father="paternal_uncle")


def test_spreadsheet_sex_codes_are_read() -> None:
    ped = Pedigree.from_records([("F", None, None, 1.0), ("M", None, None, 2.0),
                                 ("C", "F", "M", float("nan"))])
    assert [ped.sex_of(i) for i in ("F", "M", "C")] == ["M", "F", "U"]


def test_related_is_blood_relationship() -> None:
    """Descent either way or a shared ancestor; spouses are not related, a person is."""
    ped = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
                                 ("FA", "GF", "GM", "M"), ("MO", None, None, "F"),
                                 ("C1", "FA", "MO", "M"), ("AU", "GF", "GM", "F")])
    assert ped.related("GF", "C1") and ped.related("C1", "GF")
    assert ped.related("C1", "AU") and ped.related("FA", "AU")
    assert not ped.related("FA", "MO") and not ped.related("MO", "AU")
    assert not ped.related("GF", "GM") and ped.related("MO", "MO")
