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

import pytest
from helpers import ANDEAN_NAMES, ansi, fragment, write

from forensic_match.errors import InputError

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
