"""Things drawn alike in several panels come from one place: the palette, the gallery table."""

from __future__ import annotations

import numpy as np

from nnviz.app.panels.colors import TABLEAU_10, qualitative_color
from nnviz.app.panels.digits import MisclassifiedPanel
from nnviz.app.panels.gallery_table import gallery_table
from nnviz.app.panels.hotdog import ImageScoresPanel
from nnviz.app.panels.projection import ProjectionPanel
from nnviz.app.panels.race import racer_colour
from nnviz.core.classifier_views import gallery


def test_racers_and_word_groups_take_the_same_ten_colours_in_turn(qtbot):
    assert [racer_colour(n) for n in range(12)] == [qualitative_color(n) for n in range(12)]
    assert qualitative_color(10) == TABLEAU_10[0] and len(set(TABLEAU_10)) == 10
    panel = ProjectionPanel()
    qtbot.addWidget(panel)
    panel._ensure_groups(3, ("a", "b", "c"))
    brushes = [s.opts["brush"].color().getRgb()[:3] for s in panel.scatters]
    assert brushes == [TABLEAU_10[0], TABLEAU_10[1], TABLEAU_10[2]]


def test_both_galleries_export_one_table_of_examples_and_scores(qtbot):
    rng = np.random.default_rng(0)
    scores = rng.dirichlet(np.ones(3), size=6)
    shown = gallery(rng.random((6, 4, 4)), np.array([0, 1, 2, 0, 1, 2]), scores,
                    ("cat", "dog", "fox"), limit=4)
    columns, values = gallery_table(shown)
    assert columns == ["index", "true", "predicted", "score_cat", "score_dog", "score_fox"]
    assert values[0] == [int(i) for i in shown.indices]
    np.testing.assert_allclose(np.array(values[3:]).T, shown.scores)
    digits, hotdog = MisclassifiedPanel(), ImageScoresPanel()
    for panel in (digits, hotdog):
        qtbot.addWidget(panel)
        panel.draw(shown)
    assert digits.csv_tables() == {"examples": (columns, values)}
    assert hotdog.csv_tables() == {"validation_scores": (columns, values)}
