"""Plots of the dashboard (matplotlib, written as inline SVG)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

#: Colours of the proposal states (colour-blind safe, Okabe-Ito).
STATE_COLOURS = {"pending": "#E69F00", "reviewed": "#56B4E9", "approved": "#009E73",
                 "rejected": "#D55E00", "superseded": "#999999"}


def _svg(fig: object) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})  # type: ignore[attr-defined]
    text = buf.getvalue()
    return text[text.index("<svg"):]


def lr_histograms(proposals: Mapping[str, Sequence[float]], candidates: Sequence[float], *,
                  titles: tuple[str, str], xlabel: str, ylabel: str,
                  labels: Mapping[str, str], decimal: str = ".") -> str:
    """Two histograms side by side as one inline ``<svg>``: the log10 LR of the proposals,
    stacked by state, and the best candidate's log10 LR of every PM sample.

    Parameters
    ----------
    proposals : mapping
        ``{state: [log10 LR, ...]}``.
    candidates : sequence of float
        Best log10 LR per PM sample of one run (finite values; others are skipped).
    titles, xlabel, ylabel : str
    labels : mapping
        The states' words in the report's language.
    decimal : str
        The language's decimal separator for the tick labels (``","`` in Spanish: the axes
        printed ``7.5`` beside the page's ``0,300``, an outside check, 2026-12-08).
    """
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    with matplotlib.rc_context({"svg.hashsalt": "forensic_match", "svg.fonttype": "none",
                                "font.size": 9}):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
        try:
            states = [s for s in STATE_COLOURS if proposals.get(s)]
            values = [np.asarray(proposals[s], dtype=float) for s in states]
            finite = [v[np.isfinite(v)] for v in values]
            cand = np.asarray([c for c in candidates if np.isfinite(c)], dtype=float)
            every = np.concatenate(finite + [cand]) if finite or cand.size else np.zeros(1)
            lo, hi = np.floor(every.min()) - 1, np.ceil(every.max()) + 1
            bins = np.linspace(lo, hi, int(min(40, max(5, hi - lo))) + 1)
            ax = axes[0]
            if states:
                ax.hist(finite, bins=bins, stacked=True,
                        color=[STATE_COLOURS[s] for s in states],
                        label=[f"{labels[s]} ({len(v)})" for s, v in zip(states, values)])
                ax.legend(frameon=False)
            ax.set_title(titles[0])
            ax2 = axes[1]
            if cand.size:
                ax2.hist(cand, bins=bins, color="#777777")
            ticks = matplotlib.ticker.FuncFormatter(
                lambda x, _: f"{x:g}".replace("-", "\u2212").replace(".", decimal))
            for a in (ax, ax2):
                a.xaxis.set_major_formatter(ticks)
                a.yaxis.set_major_formatter(ticks)
                a.set_xlabel(xlabel)
                a.set_ylabel(ylabel)
                a.spines[["top", "right"]].set_visible(False)
            ax2.set_title(titles[1])
            return _svg(fig)
        finally:
            plt.close(fig)
