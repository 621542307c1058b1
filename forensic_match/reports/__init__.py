"""Reports a family and a court can read, from the case store (``docs/reports.md``).

:func:`render_report` writes the print-ready HTML report of one proposed identification
(Spanish or English): the propositions, the LR per marker and in total with its verbal
equivalent (ENFSI 2015), the pedigree drawn with who was typed, the non-DNA records, the
posterior and its prior, limitations and provenance. :func:`render_dashboard` writes the
programme's overview page. Jinja2 and matplotlib are imported only when a page is rendered.

Examples
--------
>>> from forensic_match.store import CaseStore                       # doctest: +SKIP
>>> from forensic_match.reports import render_report
>>> with CaseStore("cases.db") as store:                            # doctest: +SKIP
...     html = render_report(store, 1, language="es")
"""

from forensic_match.reports.render import render_dashboard, render_report
from forensic_match.reports.verbal import verbal_level

__all__ = ["render_dashboard", "render_report", "verbal_level"]
