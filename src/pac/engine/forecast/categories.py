"""Forecast categories (pipeline, best case, commit, closed, omitted): the imported values mapped onto
them, amounts rolled up per category. An omitted deal stays out of the forecast."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pac.engine.labels import gettext_noop

PIPELINE, BEST_CASE, COMMIT, CLOSED, OMITTED = "pipeline", "best_case", "commit", "closed", "omitted"
CATEGORIES: tuple[str, ...] = (PIPELINE, BEST_CASE, COMMIT, CLOSED, OMITTED)
CATEGORY_LABELS: dict[str, str] = {
    PIPELINE: gettext_noop("Pipeline"),
    BEST_CASE: gettext_noop("Best case"),
    COMMIT: gettext_noop("Commit"),
    CLOSED: gettext_noop("Closed"),
    OMITTED: gettext_noop("Omitted"),
}
# What CRMs export (Salesforce, HubSpot, Pipedrive, French exports), lower case, spaces and dashes as "_".
_SYNONYMS = {
    "pipeline": PIPELINE,
    "best_case": BEST_CASE,
    "bestcase": BEST_CASE,
    "upside": BEST_CASE,
    "meilleur_cas": BEST_CASE,
    "commit": COMMIT,
    "committed": COMMIT,
    "engagé": COMMIT,
    "engage": COMMIT,
    "prévision": COMMIT,
    "closed": CLOSED,
    "won": CLOSED,
    "closed_won": CLOSED,
    "gagné": CLOSED,
    "conclu": CLOSED,
    "omitted": OMITTED,
    "omit": OMITTED,
    "omis": OMITTED,
    "exclu": OMITTED,
}


def category_of(value: str) -> str:
    """The category an imported value names; unknown or empty → pipeline."""
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    return _SYNONYMS.get(key, PIPELINE)


def categories_of(values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    mapped = {v: category_of(str(v)) for v in set(values.tolist())}
    return np.array([mapped[v] for v in values.tolist()], dtype=object).reshape(len(values))


def roll_up(categories: npt.NDArray[np.object_], amounts: npt.NDArray[np.float64]) -> dict[str, float]:
    """Total known amount per category (every category listed, 0 when empty)."""
    known = np.nan_to_num(amounts)
    return {c: float(known[categories == c].sum()) for c in CATEGORIES}
