"""Prior probabilities of the hypotheses for a body (``docs/decisions.md``).

A body is, a priori,

- one of the N registered missing persons, each with probability ``registered / N``;
- an unregistered relative drawn or implied by a family's pedigree
  (:mod:`forensic_match.decide.alternatives`), each with ``relatives`` times the prior of one
  missing person;
- someone else: no one in the register nor a relative of a registered family (the open set).

In odds relative to one missing person the weights are 1, ``relatives`` and
``W0 = N (1 - registered) / registered``. The posterior of "s is m" with no other body
competing is then ``LR_sm / (Σ_m' LR_sm' + relatives Σ_r LR_sr + W0)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from forensic_match.errors import InputError

#: Cap on the default prior that a body is a registered missing person. The programme default
#: is the ratio of registered missing persons to bodies (every registered person among the
#: bodies), which a programme with more missing persons than bodies would put at 1: no body
#: would then be allowed to be anyone else.
MAX_REGISTERED = 0.5
#: Default weight of each relative alternative against a registered missing person. Measured
#: in households killed together with each dead member registered with probability 0.6, an
#: unregistered brother in the grave is about 0.4 / 0.6 as likely as the registered one; 1 is
#: the conservative round figure. 0 switches relatives off (a closed list of victims).
RELATIVES_WEIGHT = 1.0
#: Default weight of an unrecorded kinsman of a missing person's lineage (a man of his
#: patrilineage, a person of his matriline, outside the pedigree) against one registered
#: missing person, where lineage markers are compared. Such a kinsman shares the Y haplotype or
#: mitotype, so lineage markers cannot tell him from the missing person; in villages of a few
#: patrilineages, killed together, he may well be among the bodies. 1 is the conservative
#: round figure, as for :data:`RELATIVES_WEIGHT`; 0 (a closed list) lets a lineage match stand
#: in for autosomal evidence (``docs/decisions.md``, "Kinsmen of a lineage").
LINEAGE_KIN_WEIGHT = 1.0
#: Default weight of each undrawn relative of a typed reference who is outside the missing
#: person's pedigree relatives (a child, sibling, nephew of the reference, a cousin through its
#: in-law parent: :func:`~forensic_match.decide.alternatives.reference_kin`) against one
#: registered missing person (the distant references' relatives in every run, the close
#: SNP-typed references' where linked SNPs are compared). Each such hypothesis stands for a
#: class of people (all the reference's children, all its cousins on that side) with the same
#: likelihood; in households and extended families killed together, and registered only in
#: part (each dead member registered with probability ~0.6, as for :data:`RELATIVES_WEIGHT`),
#: a dead unregistered member of such a class is about as likely to lie among the bodies as the
#: registered missing person. 1 is the conservative round figure, as for the relatives and the
#: lineage kinsmen; 0 (a closed list) lets a distant reference's match (STR, lineage or SNP)
#: stand for the missing person himself (``docs/decisions.md``, "Relatives of a reference").
REFERENCE_KIN_WEIGHT = 1.0
#: Smallest open-set weight: keeps "nobody in the register" possible even for ``registered=1``.
MIN_OPEN = 1e-300

#: Version of the decision model of runs with lineage markers (recorded with a run's lineage
#: data, ``store/configuration.py``): which relatives of a reference on his Y and mtDNA lines
#: compete for a body. Raise it, and say why in :data:`LINEAGE_KIN_MODELS`, whenever that
#: changes; runs without lineage markers do not depend on it.
LINEAGE_KIN_MODEL = 2
#: What each version is (lineage runs recorded without a version are 1).
LINEAGE_KIN_MODELS = {
    1: "a reference's relatives drawn as in runs without lineage markers",
    2: "a reference typed on Y-STRs or mtDNA, unless a missing person's child, has his "
       "relatives on those lines drawn too, his brother's child and a cousin through a "
       "parent who is the missing person's relative: with lineage markers a missing man's "
       "paternal cousins were placed as him or his brother, with no option for what they "
       "were (2026-12-07, docs/decisions.md, 'Relatives of a reference')",
}

#: Version of the decision model: which hypotheses compete for a body by default and how they
#: are weighed. Every stored run records it; a store flags the proposals made under an older
#: version for re-review (``store/configuration.py``, ``docs/store.md``, "Re-review"). Raise
#: it, and say why in :data:`DECISION_MODELS`, whenever a default changes what competes for a
#: body, so that no stored decision silently rests on a model the software no longer uses.
DECISION_MODEL = 5
#: What each version of the decision model is (runs recorded without a version are 1).
DECISION_MODELS = {
    1: "the undrawn relatives of references drawn only in runs with SNP data",
    2: "the undrawn relatives of distant references drawn in every run (2026-12-05; "
       "docs/decisions.md, 'Relatives of a reference')",
    3: "the undrawn relatives of a missing person's child reference drawn too: his own child, "
       "the missing person's grandchild, fits the missing person as well (2026-12-06; "
       "docs/decisions.md, 'Relatives of a reference')",
    4: "a child of each typed full sibling of a missing person (his nephew or niece) and "
       "another sibling of each untyped sibship with no missing or typed member (a linking "
       "father's brother) are relative alternatives: such bodies were placed at family "
       "level as the father they fit as well (2026-12-07; docs/decisions.md, 'Relatives "
       "the pedigree implies')",
    5: "the other children, sibling, parents and nephews of a missing person's only typed "
       "parent (his half siblings, uncle or aunt, grandparents and first cousins) are "
       "relative alternatives, and a family's weight counts every alternative with an LR of "
       "100 or more: a mother's brother in the grave was placed at family level as the "
       "missing child's unregistered full sibling (2026-12-07; docs/decisions.md, 'A typed "
       "parent's relatives')",
}


@dataclass(frozen=True)
class Priors:
    """The priors every output states.

    Attributes
    ----------
    registered : float
        Prior probability that a body is one of the registered missing persons.
    relatives : float
        Weight of each relative alternative, relative to one registered missing person.
    n_missing, n_bodies : int
        Registered missing persons and bodies the priors were set from.
    source : str
        ``"programme"`` (from the counts) or ``"user"``.
    lineage_kin : float
        Weight of an unrecorded kinsman of each missing person's lineages, against one
        registered missing person, for bodies compared on lineage markers
        (:data:`LINEAGE_KIN_WEIGHT`; unused without lineage markers).
    reference_kin : float
        Weight of each undrawn relative of a typed reference outside the missing person's
        relatives, against one registered missing person (:data:`REFERENCE_KIN_WEIGHT`; the
        references: ``docs/decisions.md``, "Relatives of a reference").
    """

    registered: float
    relatives: float
    n_missing: int
    n_bodies: int
    source: str
    lineage_kin: float = LINEAGE_KIN_WEIGHT
    reference_kin: float = REFERENCE_KIN_WEIGHT

    @property
    def open_weight(self) -> float:
        """``W0 = N (1 - registered) / registered``: the open set in missing-person units."""
        return max(MIN_OPEN, self.n_missing * (1.0 - self.registered) / self.registered)

    @classmethod
    def flat(cls, n_missing: int, n_bodies: int) -> Priors:
        """dvir's closed-disaster prior: flat over assignments, so that "nobody" weighs as
        much as any one missing person (``W0 = 1``), and no relative alternatives."""
        return cls(n_missing / (n_missing + 1.0), 0.0, n_missing, n_bodies,
                   "closed list (dvir's flat prior over assignments)", 0.0, 0.0)

    @property
    def log_open(self) -> float:
        """Natural log of :attr:`open_weight`."""
        return math.log(self.open_weight)

    def posterior(self, lr: float, row_sum: float) -> float:
        """Posterior of one pair with no column competitor and no relatives: ``lr /
        (row_sum + W0)`` (``row_sum`` the body's LRs summed over the missing persons)."""
        return lr / (row_sum + self.open_weight)

    def to_dict(self) -> dict[str, Any]:
        return {"registered": self.registered, "relatives": self.relatives,
                "n_missing": self.n_missing, "n_bodies": self.n_bodies,
                "open_weight": self.open_weight, "source": self.source,
                "lineage_kin": self.lineage_kin, "reference_kin": self.reference_kin}

    def describe(self) -> str:
        """One sentence for reports."""
        return (f"prior that a body is a registered missing person {self.registered:.3g} "
                f"({self.source}: {self.n_missing} registered, {self.n_bodies} bodies), "
                f"each relative alternative weighted {self.relatives:g} against a missing "
                f"person")


def programme_priors(n_missing: int, n_bodies: int, *, registered: float | None = None,
                     relatives: float = RELATIVES_WEIGHT,
                     lineage_kin: float = LINEAGE_KIN_WEIGHT,
                     reference_kin: float = REFERENCE_KIN_WEIGHT) -> Priors:
    """Priors for a programme of ``n_missing`` registered persons and ``n_bodies`` bodies.

    Parameters
    ----------
    n_missing, n_bodies : int
    registered : float, optional
        Prior probability that a body is a registered missing person; default
        ``min(MAX_REGISTERED, n_missing / n_bodies)``.
    relatives : float
        Weight of each relative alternative (:data:`RELATIVES_WEIGHT`).
    lineage_kin : float
        Weight of an unrecorded kinsman of each missing person's lineages
        (:data:`LINEAGE_KIN_WEIGHT`), where lineage markers are compared.
    reference_kin : float
        Weight of each undrawn relative of a typed reference
        (:data:`REFERENCE_KIN_WEIGHT`), where linked SNPs are compared.

    Examples
    --------
    >>> p = programme_priors(1000, 2700)
    >>> round(p.registered, 4), round(p.open_weight)
    (0.3704, 1700)
    """
    if n_missing < 1 or n_bodies < 1:
        raise InputError(f"priors need at least one missing person and one body, got "
                         f"{n_missing} and {n_bodies}")
    for who, weight in (("relatives'", relatives), ("lineage kinsmen's", lineage_kin),
                        ("references' relatives'", reference_kin)):
        if weight < 0 or not math.isfinite(weight):
            raise InputError(f"the {who} weight must be finite and >= 0, got {weight}")
    if registered is None:
        return Priors(min(MAX_REGISTERED, n_missing / n_bodies), relatives, n_missing,
                      n_bodies, "programme", lineage_kin, reference_kin)
    if not 0.0 < registered <= 1.0:
        raise InputError(f"the prior that a body is a registered missing person must lie in "
                         f"(0, 1], got {registered}")
    return Priors(registered, relatives, n_missing, n_bodies, "user", lineage_kin,
                  reference_kin)


__all__ = ["DECISION_MODEL", "DECISION_MODELS", "LINEAGE_KIN_MODEL", "LINEAGE_KIN_MODELS",
           "LINEAGE_KIN_WEIGHT", "MAX_REGISTERED",
           "Priors", "REFERENCE_KIN_WEIGHT", "RELATIVES_WEIGHT", "programme_priors"]
