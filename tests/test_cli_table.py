"""The table of ``nnviz run``: columns chosen to fit a line, per-member values kept together."""

from __future__ import annotations

import pytest

from nnviz.cli_table import cell_text, header_lines, plan_columns, result_lines, row_line


def test_per_member_values_stay_together_under_their_quantity():
    keys = ["step", "epoch", "loss/gd", "loss/momentum", "updates/gd", "updates/momentum",
            "a_very_long_plain_metric_name_of_thirty_nine", "wall_seconds"]
    layout = plan_columns(keys, width=60, step_digits=3)
    assert [c.key for c in layout.columns] == ["step", "epoch", "loss/gd", "loss/momentum",
                                               "updates/gd", "updates/momentum"]
    assert layout.left_out == ("a_very_long_plain_metric_name_of_thirty_nine", "wall_seconds")
    groups, labels = header_lines(layout)
    assert labels.split() == ["step", "epoch", "gd", "momentum", "gd", "momentum"]
    assert [word for word in groups.split() if word.strip("-")] == ["loss", "updates"]
    loss_columns = slice(labels.index("gd"), labels.index("momentum") + len("momentum"))
    assert groups[loss_columns].strip("-") == " loss "  # centred over its own members
    assert len(groups) <= 60 and len(labels) <= 60
    narrow = plan_columns(keys, width=40, step_digits=3)
    assert "updates/*" in narrow.left_out and "updates/gd" not in narrow.keys  # never half
    row = row_line(layout, {"step": 7, "epoch": 7.0, "loss/gd": 0.123456, "loss/momentum": 1e-9,
                            "updates/gd": 7.0, "updates/momentum": 7.0})
    assert row.split() == ["7", "7", "0.1235", "1e-09", "7", "7"]


@pytest.mark.parametrize(("value", "text"), [
    (0.9053512, "0.9054"), (100.0, "100"), (-1.234567e-05, "-1.2e-05"), (None, ""),
    (3.4e-05, "3.4e-05"), (float("nan"), "nan"), (12345678.9, "1.23e+07"), (42, "42"),
])
def test_numbers_fit_their_cell(value, text):
    assert cell_text(value) == text and len(cell_text(value)) <= 8


def test_a_result_table_aligns_text_left_and_numbers_right():
    title, header, *rows = result_lines("Finish", ("racer", "updates", "seconds"),
                                        [("gd", 30, 0.00226), ("newton", None, None)])
    assert title == "Finish"
    assert header == "racer   updates  seconds"
    assert rows == ["gd           30  0.00226", "newton        -        -"]
