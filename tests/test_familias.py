"""Familias ``.fam`` files read as the R pedsuite reads them (../shared/reference/familias).

Every ``NAME.fam`` there has ``NAME.expected.json``: what pedFamilias::readFam (and, for DVI
files, dvir::familias2dvir) understood, and the likelihoods the pedsuite computed. The reader
must give the same persons, sexes, parents, genotypes, markers, frequencies and mutation
matrices (to 1e-9), and forensic_match's exact engine the same likelihoods (1e-9 relative).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from forensic_match.errors import FamiliasWarning, InputError
from forensic_match.familias import FamiliasCase, read_fam
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.pedigree import Pedigree

RTOL = 1e-9
ATOL = 1e-9


def _fam_files(reference_dir: Path) -> list[Path]:
    files = sorted((reference_dir / "familias").glob("*.fam"))
    assert files, f"no .fam files in {reference_dir / 'familias'}"
    return files


def _read(path: Path) -> FamiliasCase:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FamiliasWarning)
        return read_fam(path)


def _close(got: float, want: float) -> bool:
    return got == want or math.isclose(got, want, rel_tol=RTOL, abs_tol=0.0)


def _check_markers(case: FamiliasCase, want: dict, failures: list[str]) -> int:
    """Frequencies and mutation matrices by allele label; returns the numbers compared."""
    compared = 0
    for spec in want["markers"]:
        marker = case.marker(spec["name"])
        if sorted(marker.alleles) != sorted(spec["alleles"]):
            failures.append(f"{spec['name']}: alleles {marker.alleles} != {spec['alleles']}")
            continue
        order = [marker.index(a) for a in spec["alleles"]]
        got = marker.frequencies[order]
        if not np.allclose(got, spec["frequencies"], rtol=0, atol=ATOL):
            failures.append(f"{spec['name']}: frequencies differ")
        compared += len(order)
        mut = spec["mutation"]
        matrices = marker.matrices
        if mut is None:
            if matrices is not None and not all(np.allclose(m, np.eye(len(m))) for m in matrices):
                failures.append(f"{spec['name']}: peer has no mutation, we have {marker.mutation}")
            continue
        if matrices is None:
            failures.append(f"{spec['name']}: peer has mutation {mut['model']}, we have none")
            continue
        for ours, key in zip(matrices, ("matrix_female", "matrix_male")):
            if key not in mut:
                failures.append(f"{spec['name']}: no {key} in the expected file")
                continue
            sub = ours[np.ix_(order, order)]
            if not np.allclose(sub, mut[key], rtol=0, atol=ATOL):
                failures.append(f"{spec['name']}: {key} differs by "
                                f"{np.max(np.abs(sub - np.array(mut[key]))):.3g}")
            compared += sub.size
    return compared


def _records(ped: Pedigree, rename: dict[str, str] | None = None) -> dict[str, tuple]:
    rename = rename or {}
    out = {}
    for ident, father, mother, sex in ped.records():
        out[rename.get(ident, ident)] = (rename.get(father, father), rename.get(mother, mother),
                                         sex)
    return out


def _peer_records(pedigree: list[dict], rename: dict[str, str] | None = None) -> dict[str, tuple]:
    rename = rename or {}
    return {rename.get(p["id"], p["id"]): (rename.get(p["father"], p["father"]),
                                           rename.get(p["mother"], p["mother"]), p["sex"])
            for p in pedigree}


def _genotypes(want: dict) -> dict[str, dict[str, tuple[str, str]]]:
    return {p: {m: tuple(g) for m, g in calls.items()} for p, calls in want.items()}


def _likelihood(ped: Pedigree, case: FamiliasCase, profiles: dict) -> np.ndarray:
    return pedigree_likelihood(ped, case.markers, profiles, theta=case.theta)


def _check_kinship(case: FamiliasCase, want: dict, failures: list[str]) -> int:
    compared = 0
    if list(case.pedigrees) != want["pedigree_order"]:
        failures.append(f"pedigrees {list(case.pedigrees)} != {want['pedigree_order']}")
        return compared
    for name, hyp in want["hypotheses"].items():
        got, peer = _records(case.pedigrees[name]), _peer_records(hyp["pedigree"])
        if got != peer:
            failures.append(f"pedigree {name}: {got} != {peer}")
    if case.genotypes != _genotypes(want["genotypes"]):
        failures.append("genotypes differ")
    compared += sum(2 * len(calls) for calls in case.genotypes.values())
    names = [m.name for m in case.markers]
    for name, per_marker in want["expected"]["likelihood_per_marker"].items():
        lik = _likelihood(case.pedigrees[name], case, case.genotypes)
        for marker, value in per_marker.items():
            got = float(lik[names.index(marker)])
            compared += 1
            if not _close(got, value):
                failures.append(f"{name}/{marker}: likelihood {got!r} != {value!r}")
    expected = want["expected"]
    if "lr_total" in expected:
        h1 = _likelihood(case.pedigrees["H1"], case, case.genotypes)
        h2 = _likelihood(case.pedigrees["H2"], case, case.genotypes)
        lr = float(np.prod(h1) / np.prod(h2))
        compared += 1
        if not _close(lr, expected["lr_total"]):
            failures.append(f"LR H1/H2 {lr!r} != {expected['lr_total']!r}")
    return compared


def _family_pedigree(family) -> Pedigree:  # noqa: ANN001
    """The pedigree dvir uses: the one not named 'Reference pedigree'."""
    others = [p for n, p in family.pedigrees.items() if n != "Reference pedigree"]
    assert len(others) == 1, f"family {family.name!r}: pedigrees {list(family.pedigrees)}"
    return others[0]


def _check_dvi(case: FamiliasCase, want: dict, failures: list[str]) -> int:
    dvi = case.dvi
    assert dvi is not None
    compared = 0
    pm_sex = {p["id"]: p["sex"] for p in want["pm"]}
    if dvi.unidentified != pm_sex:
        failures.append(f"unidentified {dvi.unidentified} != {pm_sex}")
    pm_want = {p["id"]: {m: tuple(g) for m, g in p["genotypes"].items()} for p in want["pm"]}
    if dvi.genotypes != pm_want:
        failures.append("PM genotypes differ")
    compared += sum(2 * len(calls) for calls in dvi.genotypes.values())
    families = {f.name: f for f in dvi.families}
    missing_of: dict[str, tuple[str, Pedigree, dict]] = {}
    for am in want["am"]:
        family = families[am["family"]]
        rename = am.get("familias_names") or {}
        ped = _family_pedigree(family)
        ours = _records(ped)
        for ident, (father, mother, sex) in _peer_records(am["pedigree"], rename).items():
            if ident not in ours:
                failures.append(f"{family.name}: peer's {ident!r} not in our pedigree")
                continue
            fa, mo, our_sex = ours[ident]
            # The peer makes an unknown sex female; we keep it unknown (docs/familias.md).
            sex_ok = our_sex == sex or (our_sex == "U" and sex == "F")
            if (fa, mo) != (father, mother) or not sex_ok:
                failures.append(f"{family.name}/{ident}: ({fa}, {mo}, {our_sex}) != "
                                f"({father}, {mother}, {sex})")
        refs = _genotypes({rename.get(p, p): g for p, g in am["genotypes"].items()})
        if family.genotypes != refs:
            failures.append(f"{family.name}: reference genotypes differ")
        compared += sum(2 * len(calls) for calls in refs.values())
        for peer_name in am["missing"]:
            missing_of[peer_name] = (rename.get(peer_name, peer_name), ped, family.genotypes)
    null = _likelihood_cache(case)
    for pair in want["expected"]["pairwise"]:
        person, ped, refs = missing_of[pair["missing"]]
        pm = dvi.genotypes.get(pair["pm"], {})
        joint = _likelihood(ped, case, {**refs, person: pm})
        lr = float(np.prod(joint / (null(ped, refs) * null(None, {pair["pm"]: pm}))))
        compared += 1
        if not _close(lr, pair["lr"]):
            failures.append(f"LR {pair['pm']} = {pair['missing']}: {lr!r} != {pair['lr']!r}")
    return compared


def _likelihood_cache(case: FamiliasCase):  # noqa: ANN202
    cache: dict[int, np.ndarray] = {}

    def null(ped: Pedigree | None, profiles: dict) -> np.ndarray:
        if ped is None:
            (ident,) = profiles
            ped = Pedigree.from_records([(ident, None, None, "U")])
            return _likelihood(ped, case, profiles)
        if id(ped) not in cache:
            cache[id(ped)] = _likelihood(ped, case, profiles)
        return cache[id(ped)]

    return null


@pytest.fixture(scope="module")
def fam_files(reference_dir: Path) -> list[Path]:
    return _fam_files(reference_dir)


def test_every_fam_file_is_read_as_the_pedsuite_reads_it(fam_files: list[Path]) -> None:
    failures = []
    for path in fam_files:
        want = json.loads(path.with_suffix(".expected.json").read_text())
        case = _read(path)
        problems: list[str] = []
        _check_markers(case, want, problems)
        if want["kind"] == "kinship":
            _check_kinship(case, want, problems)
        else:
            _check_dvi(case, want, problems)
        failures += [f"{path.name}: {p}" for p in problems]
    assert not failures, "\n".join(failures)


# --- small files written here: rules, refusals and warnings --------------------------------

def _locus(name: str, alleles: list[tuple[str, float]], *, codes: tuple[int, int] = (0, 0),
           rates: tuple[float, float] = (0.0, 0.0), silent: bool = False) -> list[str]:
    lines = [f'"{name}"', str(rates[0]), str(rates[1]), str(codes[0]), str(codes[1]),
             str(len(alleles) + 1), "0.5", "0.5", "1e-006", "1e-006",
             "#TRUE#" if silent else "#FALSE#", "0",
             f"{len(alleles)}\t(DatabaseSize = 500 , Dropout probability = 0.05 , "
             f"Minor allele frequency = 0.001 )"]
    for allele, freq in alleles:
        lines += [f'"{allele}"', repr(freq)]
    return lines


def _fam(tmp_path: Path, *, persons: list[tuple[str, bool, list[tuple[int, int, int]]]],
         known: list[tuple[int, int]] = (), extras: tuple[int, int] = (0, 0),
         pedigrees: list[tuple[str, tuple[int, int], list[tuple[int, int]]]] = (),
         loci: list[list[str]] | None = None, theta: str = "0", header: str = "#FALSE#",
         tail: list[str] = ()) -> Path:
    lines = ['"Output from Familias, version 3.3.1"', '"DO NOT EDIT!"', "3.3.1", '""',
             str(len(persons))]
    for name, male, calls in persons:
        lines += [f'"{name}"', "#FALSE#", "-1", "#FALSE#", "#TRUE#" if male else "#FALSE#",
                  str(len(calls))]
        for a, b, m in calls:
            lines += [str(a), str(b), str(m)]
    lines += ['"Known relations"', str(extras[0]), str(extras[1]), str(len(known))]
    for parent, child in known:
        lines += [str(parent), str(child)]
    lines.append(str(len(pedigrees)))
    for k, (name, (fem, mal), relations) in enumerate(pedigrees):
        lines += [str(k), f'"{name}"', str(fem), str(mal), str(len(relations))]
        for parent, child in relations:
            lines += [str(parent), str(child)]
    loci = loci if loci is not None else [_locus("L1", [("10", 0.1), ("11", 0.2), ("12", 0.7)])]
    lines += [f"{header} (#Databases: 1 ;Theta/Kinship/Fst: {theta} )", str(len(loci)),
              "#TRUE#", '"test db"']
    for locus in loci:
        lines += locus
    lines += list(tail)
    path = tmp_path / "case.fam"
    path.write_text("\n".join(lines) + "\n")
    return path


def _paternity(tmp_path: Path, **kwargs) -> Path:  # noqa: ANN003
    persons = [("AF", True, [(0, 0, 0)]), ("MO", False, []), ("CH", True, [(0, 1, 0)])]
    return _fam(tmp_path, persons=persons,
                pedigrees=[("H1", (0, 0), [(0, 2)]), ("H2", (0, 0), [])], **kwargs)


def test_a_paternity_case_gives_the_textbook_lr(tmp_path: Path) -> None:
    case = read_fam(_paternity(tmp_path, theta="0.02"))
    assert case.persons == {"AF": "M", "MO": "F", "CH": "M"}
    assert case.pedigrees["H1"].parents("CH") == ("AF", "added_1")
    assert case.pedigrees["H1"].sex_of("added_1") == "F"
    assert case.pedigrees["H2"].parents("CH") is None
    assert case.genotypes == {"AF": {"L1": ("10", "10")}, "CH": {"L1": ("10", "11")}}
    assert case.theta == 0.02 and case.database == "test db"
    assert case.dropout == {"L1": 0.05} and case.maf == {"L1": 0.001}
    assert case.database_size == {"L1": 500.0}
    h1, h2 = (pedigree_likelihood(case.pedigrees[h], case.markers, case.genotypes)
              for h in ("H1", "H2"))
    assert h1[0] / h2[0] == pytest.approx(1 / (2 * 0.1), rel=1e-12)  # 1 / (2 p), theta 0


def test_extras_are_named_by_pedigree_and_sex(tmp_path: Path) -> None:
    persons = [("C", True, [])]
    path = _fam(tmp_path, persons=persons, extras=(1, 0), known=[(1, 0)],
                pedigrees=[("H1", (0, 1), [(2, 0)]), ("H2", (0, 0), [])])
    case = read_fam(path)
    assert case.persons == {"C": "M", "extra_1": "F", "extra_ped1_1": "M"}
    assert case.pedigrees["H1"].parents("C") == ("extra_ped1_1", "extra_1")
    assert case.pedigrees["H2"].parents("C") == ("added_1", "extra_1")


def test_a_stationary_model_without_rate2_says_what_to_change(tmp_path: Path) -> None:
    # A microvariant reaches no whole allele by whole steps: with rate2 = 0 no single
    # stationary distribution exists. The refusal names the locus and the way out.
    locus = _locus("TH01", [("9", 0.3), ("9.3", 0.3), ("10", 0.4)], codes=(3, 3),
                   rates=(0.001, 0.002))
    locus = [("0" if line == "1e-006" else line) for line in locus]
    with pytest.raises(InputError, match=r"locus 'TH01': PM stabilisation .* give rate2 a "
                                         r"value above 0 in Familias, or use code 4"):
        read_fam(_paternity(tmp_path, loci=[locus]))
    # Code 2, the same parameters: read (no stationary distribution needed).
    locus = [("2" if line == "3" else line) for line in locus]
    assert read_fam(_paternity(tmp_path, loci=[locus])).markers[0].name == "TH01"


def test_stationary_stepwise_is_the_pm_transform(tmp_path: Path) -> None:
    from forensic_match.mutation import MutationModel, mutation_matrix, stabilize_pm

    alleles = [("10", 0.1), ("11", 0.2), ("12", 0.3), ("13", 0.4)]
    loci = [_locus("L1", alleles, codes=(3, 4), rates=(0.001, 0.002))]
    case = read_fam(_paternity(tmp_path, loci=loci))
    female, male = case.markers[0].matrices
    labels, freqs = ["10", "11", "12", "13"], np.array([0.1, 0.2, 0.3, 0.4])
    step_f = mutation_matrix(MutationModel("stepwise", rate=0.001, range=0.5, rate2=1e-6),
                             labels, freqs)
    step_m = mutation_matrix(MutationModel("stepwise", rate=0.002, range=0.5, rate2=1e-6),
                             labels, freqs)
    np.testing.assert_allclose(female, stabilize_pm(step_f, freqs), rtol=0, atol=1e-15)
    np.testing.assert_allclose(male, step_m, rtol=0, atol=1e-15)
    np.testing.assert_allclose(freqs @ female, freqs, atol=1e-15)
    both = read_fam(_paternity(tmp_path, loci=[_locus("L1", alleles, codes=(3, 3),
                                                      rates=(0.001, 0.002))]))
    assert both.markers[0].mutation.stationary
    female, male = both.markers[0].matrices
    np.testing.assert_allclose(female, stabilize_pm(step_f, freqs), rtol=0, atol=1e-15)
    np.testing.assert_allclose(male, stabilize_pm(step_m, freqs), rtol=0, atol=1e-15)


def test_names_in_the_windows_code_page_are_read(tmp_path: Path) -> None:
    path = _paternity(tmp_path)
    path.write_bytes(path.read_text().replace('"AF"', '"José Peña"').encode("cp1252"))
    case = read_fam(path)
    assert "José Peña" in case.persons and "José Peña" in case.genotypes


def test_a_rest_allele_turns_stepwise_into_equal_with_a_warning(tmp_path: Path) -> None:
    loci = [_locus("L1", [("10", 0.1), ("11", 0.2), ("Rest allele", 0.7)], codes=(4, 4),
                   rates=(0.001, 0.002))]
    with pytest.warns(FamiliasWarning, match="'Rest allele' is not a number"):
        case = read_fam(_paternity(tmp_path, loci=loci))
    mutation = case.markers[0].mutation
    assert mutation.female.model == mutation.male.model == "equal"
    assert (mutation.female.rate, mutation.male.rate) == (0.001, 0.002)
    assert case.markers[0].alleles == ("10", "11", "Rest allele")
    assert len(case.warnings) == 1


def test_nonzero_dropout_settings_are_kept_and_warned(tmp_path: Path) -> None:
    tail = ["[Advanced]", "[[Direct/Identity]]", "Dropin= 0", "Dropout= 0.1", "Error= 0"]
    with pytest.warns(FamiliasWarning, match="Dropout= 0.1"):
        case = read_fam(_paternity(tmp_path, tail=tail))
    assert case.settings["Advanced/Direct/Identity"]["Dropout"] == "0.1"


@pytest.mark.parametrize(("change", "message"), [
    ({"header": "#TRUE#"}, r"line 47: the file holds precomputed probabilities"),
    ({"loci": [_locus("L1", [("10", 0.5), ("11", 0.5)], silent=True)]},
     r"line 61: locus 'L1' has a silent allele"),
    ({"loci": [_locus("L1", [("10", 0.5), ("11", 0.5)], codes=(7, 0))]},
     r"line 54: locus 'L1': unknown mutation model code 7"),
    ({"loci": [_locus("L1", [("10", 1.0)])]},
     r"line 28: person 'CH', marker 'L1': allele index 1 is not in the database"),
])
def test_unsupported_content_is_refused_with_file_and_line(tmp_path: Path, change: dict,
                                                           message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_fam(_paternity(tmp_path, **change))


def test_twins_are_refused(tmp_path: Path) -> None:
    path = _paternity(tmp_path)
    text = path.read_text().replace('"H1"\n0\n0\n1\n0\n2', '"H1"\n0\n0\n1\n0 Direct\n2')
    path.write_text(text)
    with pytest.raises(InputError, match=r"line 40: the file holds twins"):
        read_fam(path)


def test_a_file_that_is_not_familias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.fam"
    path.write_text("id,father,mother,sex\n")
    with pytest.raises(InputError, match=r"line 1: not a Familias file"):
        read_fam(path)


def test_a_second_father_replaces_the_first_with_a_warning(tmp_path: Path) -> None:
    persons = [("F1", True, []), ("F2", True, []), ("C", True, [])]
    path = _fam(tmp_path, persons=persons, pedigrees=[("H1", (0, 0), [(0, 2), (1, 2)])])
    with pytest.warns(FamiliasWarning, match=r"line 36, pedigree 'H1': 'C' already has father "
                                             r"'F1'; the later relation, father 'F2', is kept"):
        case = read_fam(path)
    assert case.pedigrees["H1"].parents("C") == ("F2", "added_1")


#: The warnings each reference file gives (substrings), and no others.
REFERENCE_WARNINGS = {
    "Ch4-example-4-8-4.fam": ["[Advanced] Dropout= 0.1"],
    "Ch4-table-4-4.fam": ["[Advanced] Dropout= 0.1"],
    "Exercise-Helicopter-solved.fam": ["[Advanced] Dropout= 0.1"],
    "KETPex498.fam": ["pedigree 'Reference pedigree': the sex of parent 'Missing person'"],
    "Solution3_3.fam": ["pedigree 'Reference pedigree': the sex of parent 'Missing person'",
                        "pedigree 'Son': the sex of parent 'Missing person'"],
    "kinship-riddle.fam": ["line 167, pedigree 'H2': 'S2' already has mother '2'"],
    "planecrash.fam": ["pedigree 'Reference pedigree': the sex of parent 'Missing person'",
                       "pedigree 'Son': the sex of parent 'Missing person'"],
}


def test_reference_files_give_the_documented_warnings(fam_files: list[Path]) -> None:
    for path in fam_files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            case = read_fam(path)
        assert [str(w.message) for w in caught] == list(case.warnings)
        assert all(issubclass(w.category, FamiliasWarning) for w in caught)
        want = REFERENCE_WARNINGS.get(path.name, [])
        assert len(case.warnings) == len(want), (path.name, case.warnings)
        for text, fragment in zip(case.warnings, want):
            assert fragment in text, (path.name, text)


DVI_TAIL = """[DVI]
[[Unidentified persons]]
nPersons= 1
[[[Person 1 ]]]
Name= V1
Gender= Male
[[[[DNA data]]]]
nSystems= 1
SystemName= L1
Allele1= 10
Allele2= 11
[[Reference Families]]
nFamilies= 1
[[[Family 1 ]]]
Name= F1
[[[[Persons]]]]
nPersons= 1
[[[[[Person 1]]]]]
Name= R
Gender= Female
[[[[[[DNA data]]]]]]
nSystems= 1
SystemName= L1
Allele1= 10
Allele2= 10
[[[[Pedigrees]]]]
nPedigrees= 2
[[[[[Pedigree 1]]]]]
Name= Reference pedigree
nRelations= 0
[[[[[Pedigree 2]]]]]
Name= Mother and son
nRelations= 2
Parent= R
Child= Missing person
Parent= Missing father
Child= Missing person
[Prior]
UseList= Yes""".splitlines()


def test_a_dvi_section_is_read(tmp_path: Path) -> None:
    case = read_fam(_fam(tmp_path, persons=[], tail=DVI_TAIL))
    assert case.persons == {} and case.pedigrees == {}
    dvi = case.dvi
    assert dvi.unidentified == {"V1": "M"}
    assert dvi.genotypes == {"V1": {"L1": ("10", "11")}}
    (family,) = dvi.families
    assert family.persons == {"R": "F"} and family.genotypes == {"R": {"L1": ("10", "10")}}
    assert list(family.pedigrees) == ["Reference pedigree", "Mother and son"]
    ped = family.pedigrees["Mother and son"]
    assert ped.parents("Missing person") == ("Missing father", "R")
    assert ped.sex_of("Missing father") == "M" and ped.sex_of("Missing person") == "U"
    assert case.settings == {"Prior": {"UseList": "Yes"}}
    # R is 10/10 (p10^2); her son has her 10 and 11 from an untyped father (p11).
    joint = pedigree_likelihood(ped, case.markers, {"R": {"L1": ("10", "10")},
                                                    "Missing person": {"L1": ("10", "11")}})
    assert joint[0] == pytest.approx(0.1 ** 2 * 0.2, rel=1e-12)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("nSystems= 1\nSystemName= L1\nAllele1= 10\nAllele2= 11",
     "nSystems= 2\nSystemName= L1\nAllele1= 10\nAllele2= 11",
     r"line \d+: section 'DNA data' says nSystems= 2 but holds 1"),
    ("Allele2= 11", "Allele2= 13", r"person 'V1', marker 'L1': allele '13' is not in the"),
    ("SystemName= L1\nAllele1= 10\nAllele2= 11", "SystemName= TH01\nAllele1= 10\nAllele2= 11",
     r"person 'V1': marker 'TH01' is not in the database"),
])
def test_a_broken_dvi_section_is_refused(tmp_path: Path, old: str, new: str,
                                         message: str) -> None:
    path = _fam(tmp_path, persons=[], tail=DVI_TAIL)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(InputError, match=message):
        read_fam(path)


def test_person_fields_not_understood_are_warned(tmp_path: Path) -> None:
    path = _paternity(tmp_path)
    lines = path.read_text().splitlines()
    assert lines[6] == "#FALSE#"
    lines[6] = "#TRUE#"
    path.write_text("\n".join(lines) + "\n")
    with pytest.warns(FamiliasWarning, match=r"lines 7-9, person 'AF': .* not understood"):
        read_fam(path)


# An outside check of the reader (2026-12-06) -------------------------------------------------

@pytest.mark.parametrize(("header", "message"), [
    ("#FALSE# (#Databases: 1 ;Theta: 0.02 )", "is not in the form Familias writes"),
    ("#FALSE# (#Databases: 1 ;theta/kinship/fst: 0.02 )", "is not in the form Familias writes"),
    ("#FALSE# (#Databases: 2 ;Theta/Kinship/Fst: 0 )", "the file holds 2 databases"),
])
def test_a_database_header_in_another_form_is_refused(tmp_path: Path, header: str,
                                                      message: str) -> None:
    """Before, a header that wrote theta another way read theta as 0 without a word, and the
    count of databases was not read."""
    path = _paternity(tmp_path)
    path.write_text(path.read_text().replace("#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )",
                                             header))
    with pytest.raises(InputError, match=rf"line 47: .*{message}"):
        read_fam(path)


def test_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """A .fam saved again by a Windows editor starts with a byte-order mark; it was refused
    as "not a Familias file"."""
    path = _paternity(tmp_path)
    want = read_fam(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    got = read_fam(path)
    assert got.persons == want.persons and got.genotypes == want.genotypes


def test_a_person_named_like_an_extra_person_is_refused(tmp_path: Path) -> None:
    """A listed woman named 'extra_1' beside a shared extra man was replaced by him (her sex
    and place in the relations), which moved the LR without a word."""
    persons = [("extra_1", False, [(0, 0, 0)]), ("C", True, [(0, 1, 0)])]
    path = _fam(tmp_path, persons=persons, extras=(0, 1), known=[(2, 1)],
                pedigrees=[("H1", (0, 0), [(0, 1)]), ("H2", (0, 0), [])])
    with pytest.raises(InputError, match=r"person names \['extra_1'\] clash with the names "
                                         r"forensic_match gives the file's extra persons"):
        read_fam(path)


def test_a_rounded_database_is_rescaled_with_a_familias_warning(tmp_path: Path) -> None:
    """The rescaling of a database summing to 0.998 is one of the file's warnings (it was a
    bare NormalisationWarning, outside ``case.warnings``); one summing to 0.99 is refused
    without advice the reader cannot take ("pass normalise=True")."""
    loci = [_locus("L1", [("10", 0.1), ("11", 0.2), ("12", 0.698)])]
    with pytest.warns(FamiliasWarning, match=r"frequencies sum to 0.998.*rescaled"):
        case = read_fam(_paternity(tmp_path, loci=loci))
    assert any("rescaled to sum to 1" in w for w in case.warnings)
    assert case.markers[0].frequencies.sum() == pytest.approx(1.0, abs=1e-15)
    loci = [_locus("L1", [("10", 0.1), ("11", 0.2), ("12", 0.69)])]
    with pytest.raises(InputError, match=r"the frequencies sum to 0.99, not 1 \(tolerance "
                                         r"0.005\); correct the database in Familias"):
        read_fam(_paternity(tmp_path, loci=loci))


@pytest.mark.parametrize("codes", [(0, 1), (1, 2), (0, 4), (2, 0)])
def test_sexes_with_different_model_families_give_their_lr(tmp_path: Path,
                                                           codes: tuple[int, int]) -> None:
    """Familias lets the sexes have different model families (equal for mothers,
    stepwise for fathers). Reading worked, but `lr` and any provenance record refused them
    ("the JSON case format has one model family for both sexes"), as the marker's digest
    went through the JSON form. The LR is the engine's on the file's models."""
    from click.testing import CliRunner

    from forensic_match.cli import main

    alleles = [("10", 0.1), ("11", 0.2), ("12", 0.3), ("13", 0.4)]
    path = _paternity(tmp_path, loci=[_locus("L1", alleles, codes=codes,
                                             rates=(0.001, 0.002))])
    case = read_fam(path)
    h1, h2 = (pedigree_likelihood(case.pedigrees[h], case.markers, case.genotypes)
              for h in ("H1", "H2"))
    result = CliRunner().invoke(main, ["lr", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["lr_total"] == pytest.approx(h1[0] / h2[0], rel=1e-12)
    assert case.markers[0].digest() != read_fam(_paternity(tmp_path, loci=[_locus(
        "L1", alleles, codes=(codes[0], codes[0]), rates=(0.001, 0.002))])).markers[0].digest()


def test_one_sex_without_mutation_beside_a_stationary_model_is_read(tmp_path: Path) -> None:
    """Mothers' rate 0 (the identity) beside fathers' stationary stepwise: the PM transform
    of the identity failed ("needs a unique stationary distribution") because the rate
    computed from frequencies whose float sum is not exactly 1 was not exactly 0."""
    alleles = [("14", 0.1), ("15", 0.25), ("16", 0.3), ("17", 0.2), ("18", 0.15)]
    case = read_fam(_paternity(tmp_path, loci=[_locus("L1", alleles, codes=(3, 3),
                                                      rates=(0.0, 0.01))]))
    female, _male = case.markers[0].matrices
    np.testing.assert_array_equal(female, np.eye(5))
