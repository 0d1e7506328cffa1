"""A fitted plot title wraps between words, never inside one: the layer-health panel's
"saturated: |tanh'| < 0.01" read "saturat / ed:" over a narrow bar plot (digits at 1440×900
in three columns). The plot's data area keeps the width of the title's longest word."""

from __future__ import annotations

import html

from nnviz.app.panels.axes import plain_plot
from nnviz.app.panels.legends import fit_title

TITLE = "saturated: |tanh'| < 0.01"


def _title_lines(plot) -> list[str]:
    document = plot.titleLabel.item.document()
    block = document.begin()
    lines = []
    while block.isValid():
        layout = block.layout()
        for index in range(layout.lineCount()):
            line = layout.lineAt(index)
            lines.append(block.text()[line.textStart():line.textStart() + line.textLength()])
        block = block.next()
    return [line.strip() for line in lines]


def test_a_narrow_plot_wraps_its_title_between_words(qtbot):
    widget = plain_plot()
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    plot.setLabel("left", "fraction")
    fit_title(plot)
    plot.setTitle(html.escape(TITLE))
    widget.resize(130, 220)  # the old fit broke it as 'saturate / d:'
    widget.show()
    qtbot.waitExposed(widget)
    for _ in range(3):
        widget.grab()
        qtbot.wait(20)
    lines = _title_lines(plot)
    assert len(lines) >= 2, lines  # it did have to wrap
    assert "".join(lines).replace(" ", "") == TITLE.replace(" ", ""), lines
    assert any(line.startswith("saturated:") for line in lines), lines  # not "saturat / ed:"
