"""Write ``resources/data/exam_scores.csv``: two exam scores and whether the applicant was admitted.

The data file of the classic Newton-against-gradient-descent experiment: logistic regression on
two features. Generated here, not copied from anywhere, and the same on every run:

* 100 applicants, each exam score uniform in [30, 100] (two decimals);
* admitted with probability σ((exam1 + exam2 − 122) / 6), a logistic model of the sum whose
  slope is gentle enough that near the middle both outcomes happen: the classes overlap, so
  the logistic loss has a finite minimiser (Newton's method finds it; on separable data the
  weights would grow without bound);
* about 60 % admitted.

The script checks those properties of what it wrote and fails if a change breaks one.

    python scripts/make_exam_scores.py [--out resources/data/exam_scores.csv]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from nnviz.core.logistic import NoFiniteMinimiser, fit_newton, with_bias

SEED = 2019
ROWS = 100
SCORE_RANGE = (30.0, 100.0)
#: admission probability σ((exam1 + exam2 − THRESHOLD) / SPREAD)
THRESHOLD = 122.0
SPREAD = 6.0
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "resources" / "data" / "exam_scores.csv"


def exam_scores(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """(scores (ROWS, 2) rounded to 2 decimals, admitted (ROWS,) 0/1) for ``seed``."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(*SCORE_RANGE, size=(ROWS, 2)), 2)
    chance = 1.0 / (1.0 + np.exp(-(scores.sum(axis=1) - THRESHOLD) / SPREAD))
    admitted = (rng.uniform(size=ROWS) < chance).astype(int)
    return scores, admitted


def check(scores: np.ndarray, admitted: np.ndarray) -> None:
    """The properties the module docstring promises; AssertionError naming the broken one."""
    share = admitted.mean()
    assert 0.55 <= share <= 0.65, f"{share:.0%} admitted; expected about 60 %"
    assert scores.min() >= SCORE_RANGE[0] and scores.max() <= SCORE_RANGE[1], "score range"
    try:
        fit_newton(with_bias(scores), admitted)
    except NoFiniteMinimiser:
        raise AssertionError("the classes are linearly separable") from None


def write(path: Path, scores: np.ndarray, admitted: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        table = csv.writer(stream, lineterminator="\n")
        table.writerow(["exam1", "exam2", "admitted"])
        for (first, second), label in zip(scores, admitted, strict=True):
            table.writerow([f"{first:.2f}", f"{second:.2f}", int(label)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    scores, admitted = exam_scores()
    check(scores, admitted)
    write(args.out, scores, admitted)
    print(f"wrote {args.out}: {ROWS} rows, {admitted.mean():.0%} admitted")


if __name__ == "__main__":
    main()
