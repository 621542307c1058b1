"""Ids and names of a file re-saved with the wrong encoding (a CSV UTF-8 opened as ANSI,
Windows-1252, in Excel and saved again: "Huamán" becomes "HuamÃ¡n") in the readers beyond the
STR pedigree, genotype and samples tables (``test_records.py``): the identities table's
names, the AM/PM evidence tables, the Y-STR and mtDNA rows, the linked-SNP tables and VCFs,
and the case JSON. An id read one way from one file and another way from the next adds
duplicate families or bodies to a store, or leaves a sample's record unmatched without a
word; each reader now refuses it naming the file, the line (or record), the id and its
likely original, and reads the same names written correctly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ANDEAN_NAMES, ansi, fragment, write

from forensic_match.errors import InputError, LineageMarkerWarning

REAL = [n for n in ANDEAN_NAMES if n not in ("Â", "Ã")] + ["O'Brien Quispe", "D’Ávila"]


# --- the identities table's names (store/identities.py) ----------------------------------------

REGISTER = ("familia,persona,nombre,dirección\n"
            "Huamán,HUA-MP,Rosa Huamán Quispe,Jr. Junín 120\n"
            "Ñahui,ÑAH-MP1,Teodoro Ñahui Güiza,\n")


def test_identities_names_re_saved_as_ansi_are_refused(tmp_path):
    """The identities reader checked ids only: "Rosa HuamÃ¡n Quispe" went into the store's
    personal-identity table and onto the family's report. Now a name, a detail or a column
    name so garbled is refused naming the row, the person and the likely original; real
    Spanish and Quechua names (Ñ, á, ü, apostrophes) are read as written."""
    from forensic_match.store.identities import read_identities

    rows = read_identities(write(tmp_path, "registro.csv", REGISTER))
    assert [(r.person_id, r.name, r.details) for r in rows] == [
        ("Huamán/HUA-MP", "Rosa Huamán Quispe", {"dirección": "Jr. Junín 120"}),
        ("Ñahui/ÑAH-MP1", "Teodoro Ñahui Güiza", {})]
    names = "".join(f"F1,P{k},{n},\n" for k, n in enumerate(REAL))
    read = read_identities(write(tmp_path, "real.csv", "familia,persona,nombre,nota\n" + names))
    assert [r.name for r in read] == REAL

    only_name = REGISTER.replace("Rosa Huamán", ansi("Rosa Huamán"))
    with pytest.raises(InputError, match=fragment(
            "names.csv', line 2, person 'Huamán/HUA-MP': name 'Rosa HuamÃ¡n Quispe' looks like "
            "UTF-8 text read as Windows-1252", "probably 'Rosa Huamán Quispe'")):
        read_identities(write(tmp_path, "names.csv", only_name))
    only_detail = REGISTER.replace("Junín", ansi("Junín"))
    with pytest.raises(InputError, match=fragment(
            "line 2, person 'Huamán/HUA-MP': 'dirección' cell 'Jr. JunÃ\\xadn 120'",
            "probably 'Jr. Junín 120'")):
        read_identities(write(tmp_path, "detail.csv", only_detail))
    only_header = REGISTER.replace("dirección", ansi("dirección"))
    with pytest.raises(InputError, match=fragment("header.csv', line 1: column name "
                                                  "'direcciÃ³n'", "probably 'dirección'")):
        read_identities(write(tmp_path, "header.csv", only_header))
    ids_only = "familia,persona,nombre\nHuamán,HUA-MP,Rosa Quispe\n"
    with pytest.raises(InputError, match=fragment("ids.csv', line 2: id 'HuamÃ¡n'",
                                                  "probably 'Huamán'")):
        read_identities(write(tmp_path, "ids.csv", ansi(ids_only)))


# --- AM records and PM findings tables (evidence/records.py) ----------------------------------

AM_TABLE = ("id,family,sex,age,date_missing,place_missing,stature_cm,tooth_36\n"
            "HUA-MP,Huamán,F,24,1984-08-14,050101,152,filled\n"
            "ÑAH-MP1,Ñahui,M,31,1984-08-14,050101,,\n")
PM_LONG = ("id,field,value,source,date\n"
           "Añaccasa-E03,sex,F,lab,2020-01-02\n"
           "Añaccasa-E03,age_min,20,anthropology,2019-08-01\n"
           "Añaccasa-E03,age_max,30,anthropology,2019-08-01\n"
           "Añaccasa-E03,tooth_36,filled,odontology,2019-08-03\n")


def test_evidence_tables_re_saved_as_ansi_are_refused(tmp_path):
    """The AM records and PM findings tables read their ids (and an AM record's family) as
    written: 'Ã‘AH-MP1' was a record of no missing person and 'AÃ±accasa-E03' findings of
    no body, so their evidence was left out without a word (and an NFD 'Añaccasa' typed on a
    Mac matched no NFC pedigree id). Now they are read as the STR tables read ids
    (profiles.file_id): in normal form C, the garbled ones refused naming the line."""
    from forensic_match.evidence.records import read_am_records, read_pm_findings

    am = read_am_records(write(tmp_path, "am.csv", AM_TABLE))
    assert [(r.id, r.family, r.age) for r in am.values()] == [("HUA-MP", "Huamán", 24.0),
                                                              ("ÑAH-MP1", "Ñahui", 31.0)]
    pm = read_pm_findings(write(tmp_path, "pm.csv", PM_LONG))
    assert list(pm) == ["Añaccasa-E03"] and pm["Añaccasa-E03"].dental.teeth == {36: "filled"}
    nfd = read_pm_findings(write(tmp_path, "nfd.csv", PM_LONG.replace("ñ", "n\u0303")))
    assert list(nfd) == ["Añaccasa-E03"]

    with pytest.raises(InputError, match=fragment("am_ansi.csv', line 2, sample 'HUA-MP': id "
                                                  "'HuamÃ¡n' looks like UTF-8 text read as "
                                                  "Windows-1252", "probably 'Huamán'")):
        read_am_records(write(tmp_path, "am_ansi.csv", ansi(AM_TABLE)))
    one_id = AM_TABLE.replace("ÑAH-MP1", ansi("ÑAH-MP1"))
    with pytest.raises(InputError, match=fragment("am_id.csv', line 3: id 'Ã‘AH-MP1'",
                                                  "probably 'ÑAH-MP1'")):
        read_am_records(write(tmp_path, "am_id.csv", one_id))
    with pytest.raises(InputError, match=fragment("pm_ansi.csv', line 2: id 'AÃ±accasa-E03'",
                                                  "probably 'Añaccasa-E03'")):
        read_pm_findings(write(tmp_path, "pm_ansi.csv", ansi(PM_LONG)))
    wide = "id,sex,age_estimate,age_se\nAñaccasa-E03,F,25,4\n"
    with pytest.raises(InputError, match=fragment("pm_wide.csv', line 2: id 'AÃ±accasa-E03'")):
        read_pm_findings(write(tmp_path, "pm_wide.csv", ansi(wide)))
    long_family = "id,field,value\nHUA-MP,family,Huamán\nHUA-MP,age,24\n"
    with pytest.raises(InputError, match=fragment("am_long.csv', line 2, sample 'HUA-MP': id "
                                                  "'HuamÃ¡n'")):
        read_am_records(write(tmp_path, "am_long.csv", ansi(long_family)))


# --- Y-STR and mtDNA rows (lineage) ------------------------------------------------------------

LINEAGE_ROWS = ("sample,marker,allele1,allele2\n"
                "ÑAH-FA,TH01,6,7\nÑAH-FA,DYS391,10,\nÑAH-FA,DYS576,18,\n"
                "ÑAH-MO,TH01,8,9.3\nÑAH-MO,mtDNA,16024-16569;1-576,16223T 73G 263G\n")


def test_lineage_rows_re_saved_as_ansi_are_refused(tmp_path):
    """The Y-STR and mtDNA rows are rows of the genotype tables (relatives, references, PM),
    whose sample id is read (profiles.file_id) before the marker says which kind of row it
    is: a Y or mtDNA row appended from another export re-saved as ANSI is refused naming its
    line, and cannot become a Y haplotype or mitotype of a sample that is nobody's."""
    from forensic_match.dvi.records import read_genotypes

    with pytest.warns(LineageMarkerWarning):  # the rows set aside for lineage matching
        table = read_genotypes(write(tmp_path, "rel.csv", LINEAGE_ROWS))
    assert [s.id for s in table.samples] == ["ÑAH-FA", "ÑAH-MO"]
    assert table.samples[0].lineage == {"DYS391": ("10",), "DYS576": ("18",)}
    assert table.samples[1].mtdna is not None
    y_row = LINEAGE_ROWS.replace("ÑAH-FA,DYS576", ansi("ÑAH-FA") + ",DYS576")
    with pytest.raises(InputError, match=fragment("y.csv', line 4: id 'Ã‘AH-FA'",
                                                  "probably 'ÑAH-FA'")):
        read_genotypes(write(tmp_path, "y.csv", y_row))
    mt_row = LINEAGE_ROWS.replace("ÑAH-MO,mtDNA", ansi("ÑAH-MO") + ",mtDNA")
    with pytest.raises(InputError, match=fragment("mt.csv', line 6: id 'Ã‘AH-MO'",
                                                  "probably 'ÑAH-MO'")):
        read_genotypes(write(tmp_path, "mt.csv", mt_row))


# --- the case JSON (cases.load_case) -----------------------------------------------------------

def _dataset() -> dict:
    """A small identification dataset: two Andean families and one body."""
    programme = Path(__file__).resolve().parents[1] / "datasets" / "examples" / \
        "programme_small.json"
    markers = json.loads(programme.read_text(encoding="utf-8"))["markers"][:3]
    names = [m["name"] for m in markers]

    def typed(*pairs: tuple[str, str]) -> dict:
        return {n: list(p) for n, p in zip(names, pairs)}

    return {"kind": "dvi", "id": "ayacucho_1984", "markers": markers,
            "pm": [{"id": "Añaccasa-E03", "sex": "M",
                    "genotypes": typed(("15", "16"), ("16", "17"), ("11", "12")),
                    "ystr": {"DYS391": ["10"]}}],
            "am": [{"family": "Huamán",
                    "pedigree": [{"id": "HUA-FA", "father": None, "mother": None, "sex": "M"},
                                 {"id": "HUA-MO", "father": None, "mother": None, "sex": "F"},
                                 {"id": "HUA-MP", "father": "HUA-FA", "mother": "HUA-MO",
                                  "sex": "M"}],
                    "missing": ["HUA-MP"],
                    "genotypes": {"HUA-FA": typed(("15", "15"), ("16", "18"), ("11", "11"))}},
                   {"family": "Ñahui",
                    "pedigree": [{"id": "ÑAH-FA", "father": None, "mother": None, "sex": "M"},
                                 {"id": "ÑAH-MO", "father": None, "mother": None, "sex": "F"},
                                 {"id": "ÑAH-MP1", "father": "ÑAH-FA", "mother": "ÑAH-MO",
                                  "sex": "M"}],
                    "missing": ["ÑAH-MP1"],
                    "genotypes": {"ÑAH-MO": typed(("16", "17"), ("17", "17"), ("12", "13"))},
                    "ystr": {"ÑAH-FA": {"DYS391": ["10"]}}}]}


def _json(tmp_path: Path, name: str, data: dict, garble: str = "") -> Path:
    text = json.dumps(data, ensure_ascii=False)
    if garble:
        text = text.replace(garble, ansi(garble))
    return write(tmp_path, name, text)


def test_case_json_ids_re_saved_as_ansi_are_refused(tmp_path):
    """load_case read a dataset's ids as written: a dataset re-saved as ANSI became a new
    programme of families 'HuamÃ¡n' and 'Ã‘ahui' (in a store, duplicates of the originals
    the next night), and one garbled id in a family's 'ystr' or 'genotypes' a person of no
    pedigree, or a PM id another body. Now every id of the file (PM samples, families,
    pedigree records and their parents, missing persons, the keys of genotypes, references,
    info, ystr, mtdna, lineage and dropout) is checked as the tables' ids are, naming the
    record and the likely original; the same dataset written correctly (also with \\u
    escapes) is read."""
    from forensic_match.cases import load_case

    data = _dataset()
    ds = load_case(_json(tmp_path, "ok.json", data))
    assert [f.id for f in ds.am] == ["Huamán", "Ñahui"] and ds.pm[0].id == "Añaccasa-E03"
    assert ds.am[1].missing == ["ÑAH-MP1"] and set(ds.am[1].ystr) == {"ÑAH-FA"}
    escaped = write(tmp_path, "escaped.json", json.dumps(data))
    assert load_case(escaped).am[1].pedigree.ids == ("ÑAH-FA", "ÑAH-MO", "ÑAH-MP1")

    whole = write(tmp_path, "ansi.json", ansi(json.dumps(data, ensure_ascii=False)))
    with pytest.raises(InputError, match=fragment("ansi.json': pm sample 1: id "
                                                  "'AÃ±accasa-E03' looks like UTF-8 text read "
                                                  "as Windows-1252", "probably 'Añaccasa-E03'")):
        load_case(whole)
    with pytest.raises(InputError, match=fragment("family.json': family 2: id 'Ã‘ahui'",
                                                  "probably 'Ñahui'")):
        load_case(_json(tmp_path, "family.json", data, garble='"Ñahui"'))
    with pytest.raises(InputError, match=fragment(
            "father.json': family 'Ñahui', pedigree record 1: id 'Ã‘AH-FA'",
            "probably 'ÑAH-FA'")):
        load_case(_json(tmp_path, "father.json", data, garble="ÑAH-FA"))
    with pytest.raises(InputError, match=fragment("ystr.json': family 'Ñahui', 'ystr': id "
                                                  "'Ã‘AH-FA'")):
        load_case(_json(tmp_path, "ystr.json", data, garble='"ÑAH-FA": {"DYS391"'))
    with pytest.raises(InputError, match=fragment("missing.json': family 'Ñahui', 'missing': "
                                                  "id 'Ã‘AH-MP1'")):
        load_case(_json(tmp_path, "missing.json", data, garble='["ÑAH-MP1"]'))
    soft = json.loads(json.dumps(data))
    soft["am"][0]["genotypes"] = {"HUA\u00ad-FA": soft["am"][0]["genotypes"]["HUA-FA"]}
    with pytest.raises(InputError, match=fragment("soft.json': family 'Huamán', 'genotypes': "
                                                  "id 'HUA\\xad-FA' holds an invisible",
                                                  "SOFT HYPHEN")):
        load_case(_json(tmp_path, "soft.json", soft))


def test_kinship_case_ids_re_saved_as_ansi_are_refused(tmp_path):
    from forensic_match.cases import load_case

    case = Path(__file__).resolve().parents[1] / "datasets" / "examples" / \
        "demo_mp_parents.json"
    text = case.read_text(encoding="utf-8").replace('"MP"', '"Ñaupa"')
    assert load_case(write(tmp_path, "ok.json", text)).h1.ids[-1] == "Ñaupa"
    with pytest.raises(InputError, match=fragment("ansi.json': H1, pedigree record 3: id "
                                                  "'Ã‘aupa'", "probably 'Ñaupa'")):
        load_case(write(tmp_path, "ansi.json", ansi(text)))


# --- linked-SNP tables and VCFs (linked/genotypes.py; store/snp.py reads through them) ---------

SNP_REFERENCES = ("family,sample,marker,allele1,allele2\n"
                  "Ñahui,ÑAH-MO,rs9442372,G,A\nÑahui,ÑAH-MO,rs4648727,C,C\n"
                  "Huamán,HUA-FA,rs9442372,G,G\n")
SNP_PM = "sample,marker,allele1,allele2\nAñaccasa-E03,rs9442372,G,A\nAñaccasa-E03,rs4648727,C,A\n"
SNP_VCF = ("##fileformat=VCFv4.2\n##contig=<ID=1>\n"
           '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
           '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred-scaled likelihoods">\n'
           "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPM-001\tAñaccasa-E03\n"
           "1\t1083324\trs9442372\tG\tA\t.\t.\t.\tGT:PL\t0/1:30,0,30\t0/0:0,30,60\n"
           "1\t1844830\trs4648727\tA\tC\t.\t.\t.\tGT:PL\t1/1:60,30,0\t0/1:30,0,30\n")


def test_linked_snp_files_re_saved_as_ansi_are_refused(tmp_path):
    """The SNP genotype tables and VCFs read sample and family ids as written (not even in
    normal form C): 'AÃ±accasa-E03' was a body of its own, 'Ã‘AH-MO' a reference of no
    pedigree, and a store's SNP calls were filed under them. Now they are read with
    profiles.file_id, as the STR tables' ids are; a VCF's sample names too, naming the
    column of the #CHROM header line."""
    pytest.importorskip("cyvcf2")
    from forensic_match.linked import load_force_panel
    from forensic_match.linked.genotypes import (
        read_snp_reference_genotypes,
        read_snp_samples,
        read_vcf_genotype_likelihoods,
    )

    panel = load_force_panel().subset(["rs9442372", "rs4648727"])
    keys, codes = read_snp_reference_genotypes(write(tmp_path, "refs.csv", SNP_REFERENCES),
                                               panel)
    assert keys == (("Ñahui", "ÑAH-MO"), ("Huamán", "HUA-FA"))
    nfd = SNP_PM.replace("ñ", "n\u0303", 1)  # one row typed on a Mac: the same body
    pm_ids, pm_codes = read_snp_samples(write(tmp_path, "pm.csv", nfd), panel)
    assert pm_ids == ("Añaccasa-E03",) and (pm_codes >= 0).all()
    vcf_ids, _ = read_snp_samples(write(tmp_path, "pm.vcf", SNP_VCF), panel)
    assert vcf_ids == ("PM-001", "Añaccasa-E03")

    with pytest.raises(InputError, match=fragment("refs_ansi.csv', line 2: id 'Ã‘AH-MO'",
                                                  "probably 'ÑAH-MO'")):
        read_snp_reference_genotypes(write(tmp_path, "refs_ansi.csv", ansi(SNP_REFERENCES)),
                                     panel)
    family = SNP_REFERENCES.replace("Huamán,", ansi("Huamán") + ",")
    with pytest.raises(InputError, match=fragment("refs_family.csv', line 4: id 'HuamÃ¡n'",
                                                  "probably 'Huamán'")):
        read_snp_reference_genotypes(write(tmp_path, "refs_family.csv", family), panel)
    with pytest.raises(InputError, match=fragment("pm_ansi.csv', line 2: id 'AÃ±accasa-E03'")):
        read_snp_samples(write(tmp_path, "pm_ansi.csv", ansi(SNP_PM)), panel)
    vcf = write(tmp_path, "ansi.vcf", ansi(SNP_VCF))
    for read in (lambda p: read_snp_samples(p, panel),
                 lambda p: read_vcf_genotype_likelihoods(p, panel)):
        with pytest.raises(InputError, match=fragment("ansi.vcf', #CHROM header line, column "
                                                      "11: id 'AÃ±accasa-E03'",
                                                      "probably 'Añaccasa-E03'")):
            read(vcf)
