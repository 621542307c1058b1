"""Writing Familias ``.fam`` files: read -> write -> read changes nothing.

On the eleven real files of ../shared/reference/familias and on generated cases (hypothesis):
the same persons, pedigrees, genotypes, markers (alleles, frequencies, mutation models),
theta, DVI section and settings, hence the same likelihoods. What Familias cannot say is
refused with ``InputError`` and leaves no file behind.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_match.errors import FamiliasWarning, InputError
from forensic_match.familias import FamiliasCase, FamiliasDVI, FamiliasFamily, read_fam, write_fam
from forensic_match.familias.writer import mutation_key
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree
from tests.strategies import frequencies, mutations, random_records

FIELDS = ("version", "persons", "genotypes", "theta", "database", "database_size", "dropout",
          "dropout_persons", "maf", "dvi", "settings")


def _read(path: Path) -> FamiliasCase:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FamiliasWarning)
        return read_fam(path)


def _assert_same(case: FamiliasCase, back: FamiliasCase) -> None:
    for key in FIELDS:
        assert getattr(back, key) == getattr(case, key), key
    assert list(back.pedigrees) == list(case.pedigrees)
    for name, ped in case.pedigrees.items():
        assert back.pedigrees[name] == ped, name
    assert back.markers == case.markers


def _likelihoods(case: FamiliasCase) -> list[float]:
    """The likelihood of every pedigree (main and DVI) with its own genotypes."""
    out = []
    for ped in case.pedigrees.values():
        lik = pedigree_likelihood(ped, case.markers, case.genotypes, theta=case.theta)
        out += [float(x) for x in lik]
    for family in case.dvi.families if case.dvi else ():
        for ped in family.pedigrees.values():
            lik = pedigree_likelihood(ped, case.markers, family.genotypes, theta=case.theta)
            out += [float(x) for x in lik]
    return out


@pytest.fixture(scope="module")
def fam_files(reference_dir: Path) -> list[Path]:
    files = sorted((reference_dir / "familias").glob("*.fam"))
    assert len(files) == 11
    return files


def test_every_reference_file_round_trips(fam_files: list[Path], tmp_path: Path) -> None:
    for path in fam_files:
        case = _read(path)
        out = write_fam(case, tmp_path / path.name)
        back = _read(out)
        _assert_same(case, back)
        # Writing what was read back gives the same bytes: the writer is a fixed point.
        again = write_fam(back, tmp_path / f"again-{path.name}")
        assert again.read_bytes() == out.read_bytes(), path.name
        assert back.source == str(out)


def test_round_trips_keep_every_likelihood(fam_files: list[Path], tmp_path: Path) -> None:
    compared = 0
    for path in fam_files:
        case = _read(path)
        back = _read(write_fam(case, tmp_path / path.name))
        for got, want in zip(_likelihoods(back), _likelihoods(case), strict=True):
            assert got == want or math.isclose(got, want, rel_tol=1e-9), path.name
            compared += 1
    assert compared > 1000


def test_paternity_is_written_as_familias_wrote_it(fam_files: list[Path],
                                                     tmp_path: Path) -> None:
    """pedFamilias' paternity.fam comes back line for line (Familias' CRLF line ends)."""
    (path,) = [p for p in fam_files if p.name == "paternity.fam"]
    out = write_fam(_read(path), tmp_path / "paternity.fam")
    assert out.read_bytes().replace(b"\r\n", b"\n") == path.read_bytes()
    back = _read(out)
    h1 = pedigree_likelihood(back.pedigrees["H1"], back.markers, back.genotypes).prod()
    h2 = pedigree_likelihood(back.pedigrees["H2"], back.markers, back.genotypes).prod()
    assert math.isclose(h1 / h2, 760.344, rel_tol=1e-6)


# --- generated cases -----------------------------------------------------------------------

ALLELES = ("8", "9", "10", "11", "11.3", "12")


@st.composite
def fam_markers(draw, n: int) -> tuple[Marker, ...]:  # noqa: ANN001
    out = []
    for k in range(n):
        size = draw(st.integers(2, len(ALLELES)))
        alleles = tuple(draw(st.permutations(ALLELES))[:size])
        freqs = draw(frequencies(size))
        mutation = None
        if draw(st.booleans()):
            mutation = draw(mutations(alleles, freqs,
                                      models=("equal", "proportional", "stepwise")))
            if mutation.female.model == "stepwise" and draw(st.booleans()):
                try:
                    replace(mutation, stationary=True).matrices(alleles, freqs)
                    mutation = replace(mutation, stationary=True)
                except Exception:  # noqa: BLE001 - no PM transform for these rates
                    pass
        out.append(Marker(f"L{k + 1}", alleles, freqs, mutation))
    return tuple(out)


def _one_parent(records: list, drop: list[bool]) -> list:
    """Give some children one parent only, the other an ``added_N`` founder, numbered as
    the reader numbers them (missing fathers first, in order)."""
    lone_f = [r[0] for r, d in zip(records, drop) if r[1] and d]
    out = [(i, f"added_{lone_f.index(i) + 1}" if i in lone_f else fa, mo, s)
           for i, fa, mo, s in records]
    return out + [(f"added_{k + 1}", None, None, "M") for k in range(len(lone_f))]


@st.composite
def fam_cases(draw) -> FamiliasCase:  # noqa: ANN001
    markers = draw(fam_markers(draw(st.integers(1, 3))))
    records = draw(random_records(min_size=2, max_size=5))
    records = [(i, fa, mo, s if s != "U" else "F") for i, fa, mo, s in records]
    persons = {i: s for i, _, _, s in records}
    drop = draw(st.lists(st.booleans(), min_size=len(records), max_size=len(records)))
    h1 = _one_parent(records, drop)
    h2 = [(i, None, None, s) for i, s in persons.items()]
    if draw(st.booleans()):
        # Extras shared by all pedigrees (females first) and one of H2's own.
        shared = [("extra_1", None, None, "F"), ("extra_2", None, None, "M")]
        h1, h2 = h1 + shared, h2 + shared + [("extra_ped2_1", "extra_2", "extra_1", "M")]
        persons.update({"extra_1": "F", "extra_2": "M", "extra_ped2_1": "M"})
    pedigrees = {"H1": Pedigree.from_records(h1), "H2": Pedigree.from_records(h2)}
    genotypes = {}
    for person in persons:
        if person.startswith("extra") or not draw(st.booleans()):
            continue
        typed_markers = draw(st.lists(st.sampled_from(markers), min_size=1, unique=True))
        genotypes[person] = {m.name: tuple(draw(st.sampled_from(m.alleles)) for _ in "ab")
                             for m in typed_markers}
    typed = [p for p in genotypes]
    dvi = None
    if draw(st.booleans()):
        pm = {"PM 1": draw(st.sampled_from("MFU")), "PM 2": "M"}
        family = FamiliasFamily(
            "Family A", {"R1": "F", "Missing person": "M"},
            {"Reference pedigree": Pedigree.from_records(
                [("R1", None, None, "F"), ("Missing person", None, None, "M")]),
             "Template": Pedigree.from_records(
                [("R1", None, None, "F"), ("Missing person", None, None, "M"),
                 ("Missing child", "Missing person", "R1", "U")])},
            {"R1": {markers[0].name: (markers[0].alleles[0], markers[0].alleles[-1])}})
        dvi = FamiliasDVI(pm, {"PM 1": {markers[0].name: (markers[0].alleles[1],) * 2}},
                          (family,))
    return FamiliasCase(
        source="generated", version="3.3.1 (DVI)" if dvi else "3.3.1", persons=persons,
        pedigrees=pedigrees, genotypes=genotypes, markers=markers,
        theta=draw(st.sampled_from([0.0, 0.01, 0.125])), database=draw(st.sampled_from(
            ["", "Peru 2023"])),
        database_size={m.name: float(draw(st.integers(1, 5000))) for m in markers},
        dropout={m.name: draw(st.sampled_from([0.0, 0.05])) for m in markers},
        dropout_persons=tuple(typed[:1]), maf={m.name: 0.001 for m in markers}, dvi=dvi,
        settings={"Prior": {"UseList": "Yes"}, "Advanced/Direct/Identity": {"Dropout": "0"}})


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(case=fam_cases())
def test_generated_cases_round_trip(case: FamiliasCase, tmp_path_factory) -> None:  # noqa: ANN001
    path = tmp_path_factory.mktemp("fam") / "case.fam"
    back = _read(write_fam(case, path))
    for key in FIELDS:
        assert getattr(back, key) == getattr(case, key), key
    assert back.pedigrees == case.pedigrees
    for ours, theirs in zip(case.markers, back.markers, strict=True):
        assert (ours.name, ours.alleles) == (theirs.name, theirs.alleles)
        assert np.array_equal(ours.frequencies, theirs.frequencies)
        assert mutation_key(ours.mutation) == mutation_key(theirs.mutation)
        if mutation_key(ours.mutation) is not None:  # else no mutation, and none read back
            for a, b in zip(ours.matrices, theirs.matrices, strict=True):
                np.testing.assert_allclose(b, a, rtol=1e-12, atol=0)


# --- refusals ------------------------------------------------------------------------------

def _small_case(**changes) -> FamiliasCase:  # noqa: ANN003
    marker = Marker("L1", ("10", "11", "12"), np.array([0.1, 0.2, 0.7]),
                    Mutation.same(MutationModel("equal", rate=0.002)))
    case = FamiliasCase(
        source="test", version="3.3.1", persons={"AF": "M", "MO": "F", "CH": "M"},
        pedigrees={"H1": Pedigree.from_records([("AF", None, None, "M"), ("MO", None, None, "F"),
                                                ("CH", "AF", "MO", "M")]),
                   "H2": Pedigree.from_records([("AF", None, None, "M"), ("MO", None, None, "F"),
                                                ("CH", None, None, "M")])},
        genotypes={"AF": {"L1": ("10", "11")}, "CH": {"L1": ("10", "12")}}, markers=(marker,))
    return replace(case, **changes)


def _with_mutation(mutation: Mutation, alleles: tuple[str, ...] = ("10", "11", "12")
                   ) -> FamiliasCase:
    return _small_case(markers=(Marker("L1", alleles, np.array([0.1, 0.2, 0.7]), mutation),),
                       genotypes={})


@pytest.mark.parametrize(("case", "message"), [
    (_with_mutation(Mutation.same(MutationModel("onestep", rate=0.01))),
     "mutation model 'onestep' has no Familias code"),
    (_with_mutation(Mutation.same(MutationModel("custom", matrix=np.eye(3)))),
     "mutation model 'custom' has no Familias code"),
    (_with_mutation(Mutation.same(MutationModel("equal", rate=0.01), stationary=True)),
     "a PM-stationary 'equal' model has no Familias code"),
    (_with_mutation(Mutation.same(MutationModel("stepwise", rate=0.01)), ("10", "11", "X")),
     "allele 'X' is not a number, so Familias' stepwise model cannot be used"),
    (_small_case(persons={"AF": "M", "MO": "F", "CH": "U"}),
     "person 'CH' has sex 'U'; Familias persons are male or female"),
    (_small_case(persons={"AF": "M", "MO": "F", "CH": "M", "GF": "M"}),
     "pedigree 'H1': a Familias pedigree holds every person of the case"),
    (_small_case(persons={'A"F': "M", "MO": "F", "CH": "M"}),
     "person 'A\"F' cannot be written to a .fam file"),
    (_small_case(genotypes={"AF": {"L9": ("10", "11")}}),
     "person 'AF', marker 'L9': not in the database"),
    (_small_case(settings={"DVI/Other": {"x": "1"}}),
     "setting section 'DVI/Other' would be read as part of the DVI module"),
    (_small_case(pedigrees={}), "persons but no pedigree"),
    (_small_case(persons={"AF": "M", "MO": "F", "CH": "M", "extra_2": "F"}),
     "the extras shared by all pedigrees are ['extra_2']; the reader numbers them extra_1, "
     "extra_2, ... in order"),
    (_small_case(persons={"AF": "M", "MO": "F", "CH": "M", "extra_1": "M", "extra_2": "F"}),
     "have sexes ['M', 'F']; Familias lists female extras first"),
    (_small_case(genotypes={"AF": {"L1": ("10", None)}}),
     "person 'AF', marker 'L1': a partial genotype; Familias genotypes have two alleles"),
    (_small_case(dvi=FamiliasDVI({"V1": "M"}, {"V2": {"L1": ("10", "10")}}, ()),
                 version="3.3.1 (DVI)"),
     "DVI genotypes of 'V2', who is not an unidentified person"),
])
def test_what_familias_cannot_say_is_refused(case: FamiliasCase, message: str,
                                             tmp_path: Path) -> None:
    target = tmp_path / "out.fam"
    target.write_text("the old file\n")
    with pytest.raises(InputError, match="out.fam") as info:
        write_fam(case, target)
    assert message in str(info.value)
    assert target.read_text() == "the old file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.fam"]


def test_a_difference_found_on_reading_back_is_refused(tmp_path: Path) -> None:
    """The last guard: a DVI pedigree member named in no relation would vanish."""
    family = FamiliasFamily("F", {"R": "F"}, {"P": Pedigree.from_records(
        [("R", None, None, "F"), ("Missing person", None, None, "M")])}, {})
    case = _small_case(dvi=FamiliasDVI({}, {}, (family,)), version="3.3.1 (DVI)")
    with pytest.raises(InputError, match="the DVI section differs when read back"):
        write_fam(case, tmp_path / "out.fam")
    assert list(tmp_path.iterdir()) == []


def test_stationary_stepwise_is_written_as_code_3(tmp_path: Path) -> None:
    mutation = Mutation(female=MutationModel("stepwise", rate=0.0),
                        male=MutationModel("stepwise", rate=0.004, range=0.3, rate2=0.001),
                        stationary=True)
    case = _with_mutation(mutation)
    lines = write_fam(case, tmp_path / "st.fam").read_text().splitlines()
    start = lines.index('"L1"')
    assert lines[start + 1:start + 10] == ["0", "0.004", "3", "3", "3", "0.5", "0.3", "0",
                                           "0.001"]
    back = _read(tmp_path / "st.fam")
    assert back.markers == case.markers
    p = np.array([0.1, 0.2, 0.7])
    assert np.allclose(p @ back.markers[0].matrices[1], p, atol=1e-15)


def test_one_parent_children_and_extras_are_written_as_familias_has_them(
        tmp_path: Path) -> None:
    ped = Pedigree.from_records([("AF", None, None, "M"), ("MO", None, None, "F"),
                                 ("CH", "AF", "added_1", "M"), ("added_1", None, None, "F"),
                                 ("extra_ped1_1", "AF", "MO", "M")])
    case = _small_case(pedigrees={"H1": ped, "H2": _small_case().pedigrees["H2"].add(
        [("extra_ped2_1", None, None, "F")])})
    lines = write_fam(case, tmp_path / "x.fam").read_text().splitlines()
    first = lines.index('"H1"')
    # extras 0 female 1 male; relations AF->CH, AF->extra (index 3), MO->extra.
    assert lines[first + 1:first + 10] == ["0", "1", "3", "0", "2", "0", "3", "1", "3"]
    assert lines[lines.index('"H2"') + 1:lines.index('"H2"') + 4] == ["1", "0", "0"]
    assert _read(tmp_path / "x.fam").pedigrees == case.pedigrees


def test_a_text_that_windows_cannot_hold_is_written_as_utf8(tmp_path: Path) -> None:
    case = _small_case(persons={"AF": "M", "Mamá": "F", "CH": "M"}, pedigrees={
        name: ped.relabel({"MO": "Mamá"}) for name, ped in _small_case().pedigrees.items()})
    assert "Mamá".encode("cp1252") in write_fam(case, tmp_path / "a.fam").read_bytes()
    case = replace(case, database="ДНК")
    assert "ДНК".encode() in write_fam(case, tmp_path / "b.fam").read_bytes()
    assert _read(tmp_path / "b.fam").database == "ДНК"


def test_a_folder_that_does_not_exist_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere/out.fam'?: cannot write"):
        write_fam(_small_case(), tmp_path / "nowhere" / "out.fam")


def test_order_of_dropout_persons_and_empty_calls_are_not_differences(tmp_path: Path) -> None:
    case = _small_case(dropout_persons=("CH", "AF"),
                       genotypes={"AF": {"L1": ("10", "11")}, "MO": {}, "CH": {"L1": ("10", "12")}})
    back = _read(write_fam(case, tmp_path / "d.fam"))
    assert back.dropout_persons == ("AF", "CH")
    assert back.genotypes == {"AF": {"L1": ("10", "11")}, "CH": {"L1": ("10", "12")}}
    text = (tmp_path / "d.fam").read_text().splitlines()
    assert text[5:8] == ['"AF"', "#FALSE#", "-1 (Consider dropouts)"]


@pytest.mark.parametrize(("codes", "rates", "written"), [
    ((0, 0), (0.001, 0.002), ("0", "0")),
    ((1, 1), (0.001, 0.002), ("1", "1")),
    ((2, 2), (0.001, 0.002), ("4", "4")),   # stepwise without "extended": the same model
    ((4, 4), (0.001, 0.002), ("4", "4")),
    ((3, 3), (0.001, 0.002), ("3", "3")),
    ((3, 3), (0.0, 0.002), ("3", "3")),     # a sex that never mutates
    ((0, 4), (0.001, 0.002), ("0", "4")),   # a model family per sex
    ((1, 0), (0.0, 0.0), ("0", "0")),       # no mutation at all
])
def test_every_familias_model_code_round_trips(tmp_path: Path, codes: tuple[int, int],
                                               rates: tuple[float, float],
                                               written: tuple[str, str]) -> None:
    from tests.test_familias import _fam, _locus

    locus = _locus("L1", [("10", 0.1), ("11", 0.2), ("12", 0.7)], codes=codes, rates=rates)
    case = _read(_fam(tmp_path, persons=[("AF", True, [(0, 1, 0)]), ("CH", True, [(1, 2, 0)])],
                      pedigrees=[("H1", (0, 1), [(0, 1), (2, 1)]), ("H2", (0, 0), [])],
                      loci=[locus]))
    out = write_fam(case, tmp_path / "out.fam")
    lines = out.read_text().splitlines()
    start = lines.index('"L1"')
    assert tuple(lines[start + 3:start + 5]) == written
    back = _read(out)
    _assert_same(case, back)
    for name, ped in case.pedigrees.items():
        np.testing.assert_array_equal(
            pedigree_likelihood(back.pedigrees[name], back.markers, back.genotypes),
            pedigree_likelihood(ped, case.markers, case.genotypes))


def test_one_sex_stationary_is_refused(tmp_path: Path) -> None:
    from tests.test_familias import _fam, _locus

    locus = _locus("L1", [("10", 0.1), ("11", 0.2), ("12", 0.7)], codes=(3, 4),
                   rates=(0.001, 0.002))
    case = _read(_fam(tmp_path, persons=[("AF", True, [])], loci=[locus],
                      pedigrees=[("H1", (0, 0), [])]))
    assert case.markers[0].mutation.female.model == "custom"
    with pytest.raises(InputError, match="marker 'L1': mutation model 'custom' has no "
                                         "Familias code"):
        write_fam(case, tmp_path / "out.fam")
