"""The relationship of a person to the missing person, in words, from the pedigree.

Only the relationships a family report names most often are worded: parent, child, partner
(the other parent of a child of the missing person), full and half sibling, grandparent,
grandchild, uncle or aunt, nephew or niece, first cousin. Anything else is "another
relative" (the drawing shows it). Words follow the person's recorded sex.
"""

from __future__ import annotations

from forensic_match.pedigree import Pedigree

#: relationship key -> language -> (male word, female word, word for an unknown sex)
WORDS: dict[str, dict[str, tuple[str, str, str]]] = {
    "parent": {"es": ("padre", "madre", "padre o madre"),
               "en": ("father", "mother", "parent")},
    "child": {"es": ("hijo", "hija", "hijo o hija"), "en": ("son", "daughter", "child")},
    "partner": {"es": ("pareja (padre de sus hijos)", "pareja (madre de sus hijos)", "pareja"),
                "en": ("partner (father of their children)",
                       "partner (mother of their children)", "partner")},
    "full_sibling": {"es": ("hermano", "hermana", "hermano o hermana"),
                     "en": ("brother", "sister", "sibling")},
    "half_sibling": {"es": ("medio hermano", "media hermana", "medio hermano o hermana"),
                     "en": ("half brother", "half sister", "half sibling")},
    "grandparent": {"es": ("abuelo", "abuela", "abuelo o abuela"),
                    "en": ("grandfather", "grandmother", "grandparent")},
    "grandchild": {"es": ("nieto", "nieta", "nieto o nieta"),
                   "en": ("grandson", "granddaughter", "grandchild")},
    "avuncular": {"es": ("tío", "tía", "tío o tía"), "en": ("uncle", "aunt", "uncle or aunt")},
    "nephew": {"es": ("sobrino", "sobrina", "sobrino o sobrina"),
               "en": ("nephew", "niece", "nephew or niece")},
    "cousin": {"es": ("primo hermano", "prima hermana", "primo o prima hermana"),
               "en": ("first cousin", "first cousin", "first cousin")},
    "self": {"es": ("la persona desaparecida",) * 3, "en": ("the missing person",) * 3},
    "other": {"es": ("otro familiar", "otra familiar", "otro familiar"),
              "en": ("another relative",) * 3},
}


def relationship(pedigree: Pedigree, person: str, missing: str) -> str:
    """What ``person`` is to ``missing``: a key of :data:`WORDS`.

    Examples
    --------
    >>> from forensic_match.pedigree import trio
    >>> relationship(trio(), "AF", "C"), relationship(trio(), "C", "AF")
    ('parent', 'child')
    >>> relationship(trio(), "MO", "AF")
    'partner'
    """
    if person == missing:
        return "self"
    par_m, par_p = pedigree.parents(missing), pedigree.parents(person)
    if par_m is not None and person in par_m:
        return "parent"
    if par_p is not None and missing in par_p:
        return "child"
    kids_m = set(pedigree.children(missing))
    if kids_m & set(pedigree.children(person)):
        return "partner"
    def full_sibs(a: str, b: str) -> bool:
        pa, pb = pedigree.parents(a), pedigree.parents(b)
        return a != b and pa is not None and pb is not None and set(pa) == set(pb)

    if par_m is not None and par_p is not None:
        shared = set(par_m) & set(par_p)
        if len(shared) == 2:
            return "full_sibling"
        if len(shared) == 1:
            return "half_sibling"
    if any(person in (pedigree.parents(p) or ()) for p in par_m or ()):
        return "grandparent"
    if any(missing in (pedigree.parents(p) or ()) for p in par_p or ()):
        return "grandchild"
    if any(full_sibs(person, p) for p in par_m or ()):
        return "avuncular"
    if any(full_sibs(missing, p) for p in par_p or ()):
        return "nephew"
    if any(full_sibs(a, b) for a in par_m or () for b in par_p or ()):
        return "cousin"
    return "other"


def relationship_words(pedigree: Pedigree, person: str, missing: str, language: str) -> str:
    """:func:`relationship` in words of ``language``, by the person's recorded sex.

    Examples
    --------
    >>> from forensic_match.pedigree import trio
    >>> relationship_words(trio(), "MO", "C", "es")
    'madre'
    """
    male, female, unknown = WORDS[relationship(pedigree, person, missing)][language]
    sex = pedigree.sex_of(person)
    return male if sex == "M" else female if sex == "F" else unknown
