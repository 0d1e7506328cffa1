"""The word query panel: the query goes out as a live value, answers and analogy checks come in."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnviz.app.panels import all_panels
from nnviz.app.panels.word_query import MISSED, SOLVED, WordQueryPanel
from nnviz.core.similarity import AnalogyCheck, QueryAnswer
from nnviz.scenarios.embeddings import EmbeddingsConfig, EmbeddingsSession
from nnviz.session import Mailbox, Snapshot, train

CHECK = AnalogyCheck(
    questions=4, skipped=0, top1=0.5, top3=0.75,
    sections={"capital-country": (4, 0.5, 0.75)},
    examples=(("france", "paris", "italy", "rome", ("rome", "milan", "venice"), True),
              ("spain", "madrid", "peru", "lima", ("quito", "cusco", "bogota"), False)),
)


def snapshot(views, query="paris"):
    return Snapshot(1, "embeddings", 5, 0.1, 0.0, {}, EmbeddingsConfig(query=query),
                    views=views)


def test_registered():
    assert all_panels()["word_query"] is WordQueryPanel


def test_enter_sends_the_query_as_a_live_value(qtbot):
    panel = WordQueryPanel()
    qtbot.addWidget(panel)
    panel.query_edit.setText("king - man + woman")
    with qtbot.waitSignal(panel.live_change) as signal:
        qtbot.keyClick(panel.query_edit, Qt.Key.Key_Return)
    assert signal.args == ["query", "king - man + woman"]


def test_shows_answers_errors_and_analogies(qtbot):
    panel = WordQueryPanel()
    qtbot.addWidget(panel)
    answer = QueryAnswer("paris - france + italy", "analogy",
                         (("rome", 0.98), ("milan", 0.7)))
    panel.show_snapshot(snapshot({"word_query": answer, "analogies": CHECK},
                                 query="paris - france + italy"))
    assert panel.answers.rowCount() == 2
    assert panel.answers.item(0, 1).text() == "rome"
    assert panel.answers.item(0, 2).text() == "+0.980"
    assert "top-3 75%" in panel.summary.text()
    assert panel.examples.item(0, 0).text() == "paris − france + italy"
    assert panel.examples.item(0, 1).background().color() == SOLVED
    assert panel.examples.item(1, 1).background().color() == MISSED
    assert panel.query_edit.text() == "paris - france + italy"  # synced from the config
    tables = panel.csv_tables()
    assert tables["answers"][1][2] == ["rome", "milan"]
    assert tables["analogies"][1][5] == [True, False]

    panel.show_snapshot(snapshot({"word_query": QueryAnswer(
        "atlantis", "error", message="not in the vocabulary: atlantis")}))
    assert panel.answers.rowCount() == 0
    assert "atlantis" in panel.status.text()
    panel.start_run(2)
    assert panel.examples.rowCount() == 0 and panel.csv_tables() == {}


def test_a_typed_query_is_answered_by_the_training_loop(qtbot, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(["the king and his crown", "the queen and her crown",
                                 "a man and his hat", "a woman and her hat"] * 200))
    session = EmbeddingsSession(EmbeddingsConfig(corpus=str(corpus), analogy_set="none",
                                                 sample=0.0, query="king"))
    mailbox = Mailbox()
    panel = WordQueryPanel()
    qtbot.addWidget(panel)
    panel.live_change.connect(mailbox.post)
    loop = train(session, mailbox=mailbox, max_steps=20, every=5)
    panel.show_snapshot(next(loop))
    assert panel.answer.query == "king" and panel.answers.rowCount() == 5
    panel.query_edit.setText("queen - woman + man")
    panel.ask()
    panel.show_snapshot(next(loop))
    assert panel.answer.query == "queen - woman + man" and panel.answer.kind == "analogy"
    assert panel.query_edit.text() == "queen - woman + man"
    for snap in loop:
        panel.show_snapshot(snap)


def test_the_query_box_follows_the_answered_query_from_the_view(qtbot):
    """The query the run answers comes in its view record; the panel reads no config."""
    panel = WordQueryPanel()
    qtbot.addWidget(panel)
    answer = QueryAnswer("king", "neighbours", (("queen", 0.9),))
    panel.show_snapshot(snapshot({"word_query": answer}, query="paris"))
    assert panel.query_edit.text() == "king"
