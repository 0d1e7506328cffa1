"""Quoted and blank-separated tables through ``nnviz run``: they train, and a bad one is one
line with exit status 2."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from nnviz.cli import main


def run_on(path, steps: int = 3) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "moons", "--steps", str(steps), "--json", "--set", "dataset=file",
                 "--set", f"data_file={path}"], out, err)
    return code, out.getvalue(), err.getvalue()


def separable_rows(count: int = 80) -> list[tuple[float, float, int]]:
    rng = np.random.default_rng(1)
    points = rng.normal(size=(count, 2))
    return [(x, y, int(x + y > 0)) for x, y in points.tolist()]


@pytest.mark.parametrize("kind", ["blanks", "quoted"])
def test_a_blank_separated_or_quoted_table_trains_from_the_command_line(tmp_path, kind):
    rows = separable_rows()
    if kind == "blanks":
        text = "".join(f"  {x:9.4f}   {y:9.4f}   {label}\n" for x, y, label in rows)
    else:
        names = ('"low, left"', '"up ""right"""')
        text = '"x, m","y; m",class\n' + "".join(
            f'"{x}",{y},{names[label]}\n' for x, y, label in rows)
    path = tmp_path / f"{kind}.txt"
    path.write_text(text)
    code, out, err = run_on(path, steps=300)
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["train_accuracy"] > 0.9


@pytest.mark.parametrize("text, words", [
    ("x y label\n1 2 0\n3 4\n", "row 3 has 2 fields, row 1 has 3 (ragged rows; the delimiter "
                                "is runs of blanks)"),
    ('a,b,label\n"1,5",2,0\n3,4,1\n', "row 2, column 1 ('a'): '1,5' is not a number"),
    ('a,b,label\n1,2,x\n3,4, "y, z"\n', "a quote opens a field only right after the delimiter"),
])
def test_a_bad_quoted_or_blank_separated_table_exits_2_with_one_line(tmp_path, text, words):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    code, out, err = run_on(path)
    assert code == 2 and out == ""
    assert err.startswith(f"nnviz: error: moons: {path}: ") and words in err
    assert err.count("\n") == 1
