"""The embeddings scenario: trains, reports analogy scores, views move smoothly, live query."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.core.similarity import AnalogyCheck, QueryAnswer
from nnviz.core.views import Projection
from nnviz.scenarios.embeddings import EmbeddingsConfig, EmbeddingsSession
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Mailbox, train

COUNTRIES = [("france", "paris", "french"), ("italy", "rome", "italian"),
             ("spain", "madrid", "spanish"), ("japan", "tokyo", "japanese"),
             ("egypt", "cairo", "egyptian"), ("peru", "lima", "peruvian")]


@pytest.fixture
def tiny_corpus(tmp_path):
    """A small templated corpus and its analogy file, written by the test."""
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(3000):
        c, k, a = COUNTRIES[rng.integers(len(COUNTRIES))]
        lines.append(str(rng.choice([
            f"the {a} city {k} is a capital", f"the mayor of {k} speaks {a}",
            f"{k} the {a} capital city", f"the {a} country {c} is a nation",
            f"the president of {c} speaks {a}", f"{c} the {a} nation"])))
    corpus = tmp_path / "tiny.txt"
    corpus.write_text("\n".join(lines), encoding="utf-8")
    questions = tmp_path / "tiny-analogies.txt"
    questions.write_text(": capital-country\n" + "\n".join(
        f"{c1} {k1} {c2} {k2}" for c1, k1, _ in COUNTRIES for c2, k2, _ in COUNTRIES
        if c1 != c2) + "\n", encoding="utf-8")
    return corpus, questions


def config_for(corpus, questions, **values):
    base = EmbeddingsConfig(corpus=str(corpus), dimension=20, batch_size=256, sample=1e-2)
    session_values = {"analogy_set": "none"} | values
    config = base.with_values(session_values)
    return config, questions


def session_with_questions(corpus, questions, **values) -> EmbeddingsSession:
    config, _ = config_for(corpus, questions, **values)
    session = EmbeddingsSession(config)
    from nnviz.data.corpus import load_analogies
    session.analogies = load_analogies(questions)
    session._questions = session._spread_questions()
    return session


def test_registered_with_its_panels():
    scenario = get_scenario("embeddings")
    assert scenario.panels[0] == "projection" and "loss" in scenario.panels
    assert "word_query" in scenario.panels


@pytest.mark.parametrize(("method", "objective"), [("skipgram", "negative"),
                                                   ("cbow", "softmax")])
def test_learns_capital_analogies_on_a_small_corpus(tiny_corpus, method, objective):
    corpus, questions = tiny_corpus
    session = session_with_questions(corpus, questions, method=method, objective=objective,
                                     learning_rate=0.05 if method == "cbow" else 0.025,
                                     epochs=4.0)
    before = session.metrics()["analogy_top3"]
    snapshots = list(train(session, max_steps=400, every=100))
    last = snapshots[-1]
    assert len(last.trace) == 0 or "loss" in last.trace
    assert snapshots[1].trace["loss"].shape == (100,)
    assert last.metrics["analogy_top3"] >= 0.8 > before
    assert last.metrics["analogy_top3_capital_country"] == last.metrics["analogy_top3"]
    assert last.metrics["train_loss"] < snapshots[1].metrics["train_loss"]


def test_views_projection_groups_arrows_and_alignment(tiny_corpus):
    corpus, questions = tiny_corpus
    session = session_with_questions(corpus, questions, view_top_n=5)
    for _ in range(100):
        session.train_step()
    first = session.views()["projection"]
    assert isinstance(first, Projection)
    assert first.group_names == ("countries", "capitals", "other words")
    labels = list(first.labels)
    arrows = [(labels[a], labels[b]) for a, b in first.arrows]
    assert ("france", "paris") in arrows and len(arrows) == len(COUNTRIES)
    assert {labels[i] for i in np.flatnonzero(first.groups == 1)} == {k for _, k, _ in
                                                                       COUNTRIES}
    session.train_step()
    second = session.views()["projection"]
    # one step later the aligned frame barely moves; a sign flip of either axis would not
    moved = np.abs(second.points - first.points).max()
    for flip in ([-1, 1], [1, -1], [-1, -1]):
        assert moved < 0.5 * np.abs(second.points * flip - first.points).max()


def test_chosen_words_and_pairs(tiny_corpus):
    corpus, questions = tiny_corpus
    session = session_with_questions(corpus, questions, view_words="rome, lima, nowhere",
                                     pairs="italy:rome peru:lima atlantis:x")
    projection = session.views()["projection"]
    assert list(projection.labels) == ["italy", "peru", "rome", "lima"]
    assert projection.group_names[:2] == ("pair starts", "pair ends")
    assert projection.arrows.tolist() == [[0, 2], [1, 3]]
    session.apply_live({"pairs": "", "view_words": "rome lima city"})
    projection = session.views()["projection"]
    assert projection.group_names == ("words",) and len(projection.arrows) == 0


def test_live_query_through_the_mailbox(tiny_corpus):
    corpus, questions = tiny_corpus
    config, _ = config_for(corpus, questions, query="rome")
    session = EmbeddingsSession(config)
    mailbox = Mailbox()
    stream = train(session, mailbox=mailbox, max_steps=300, every=100)
    first = next(stream)
    assert isinstance(first.views["word_query"], QueryAnswer)
    assert first.views["word_query"].kind == "neighbours"
    mailbox.post("query", "paris - france + italy")
    answers = [s.views["word_query"] for s in stream]
    assert answers[-1].query == "paris - france + italy" and answers[-1].kind == "analogy"
    assert len(answers[-1].answers) == 5
    assert answers[-1].answers[0][0] == "rome"


def test_analogy_view_and_no_analogy_set(tiny_corpus):
    corpus, questions = tiny_corpus
    session = session_with_questions(corpus, questions)
    assert isinstance(session.views()["analogies"], AnalogyCheck)
    plain = EmbeddingsSession(config_for(corpus, questions)[0])
    assert "analogies" not in plain.views() and "analogy_top3" not in plain.metrics()


def test_checkpoint_restore_is_exact(tiny_corpus):
    corpus, questions = tiny_corpus
    session = EmbeddingsSession(config_for(corpus, questions)[0])
    session.train_step()
    state = session.checkpoint()
    losses = [session.train_step()["loss"] for _ in range(3)]
    session.restore(state)
    assert [session.train_step()["loss"] for _ in range(3)] != losses  # fresh negatives
    session.restore(state)
    assert session.step_count == 1 and np.array_equal(
        session.model.input_vectors, state["params"][0])


def test_bad_settings_are_clear(tmp_path):
    with pytest.raises(ParamError, match="min_learning_rate"):
        EmbeddingsConfig(learning_rate=0.001, min_learning_rate=0.01)
    with pytest.raises(ValueError, match="not found"):
        EmbeddingsSession(EmbeddingsConfig(corpus=str(tmp_path / "missing.txt")))


def test_cli_runs_the_shipped_preset_and_passes_its_analogy_checks(capsys):
    presets = {n: p for n, p in all_presets().items() if p.scenario == "embeddings"}
    assert "embeddings-world" in presets
    code = main(["run", "embeddings", "--preset", "embeddings-world", "--json",
                 "--steps", "600", "--every", "300"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["final"] is True
    assert lines[-1]["analogy_top3_capital_country"] >= 0.8
    assert lines[0]["analogy_top3"] < 0.2


def test_corpus_without_pairs_fails_when_built(tmp_path, capsys):
    lonely = tmp_path / "lonely.txt"
    lonely.write_text("alpha\nbeta\ngamma\n")
    with pytest.raises(ValueError, match="no training examples"):
        EmbeddingsSession(EmbeddingsConfig(corpus=str(lonely)))
    assert main(["run", "embeddings", "--set", f"corpus={lonely}", "--steps", "1"]) == 2
    assert "no training examples" in capsys.readouterr().err


def test_cli_bad_corpus_exits_2(tmp_path, capsys):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"caf\xe9\n")
    assert main(["run", "embeddings", "--set", f"corpus={bad}", "--steps", "1"]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_a_large_analogy_check_takes_at_most_its_share_of_the_run(monkeypatch):
    """A check too large for every snapshot (a 100,000-word vocabulary: about 1 s) runs
    again only after training has had 9 × its time: the app's 30 snapshots a second would
    otherwise spend nearly all the run checking. Small checks run at every new step."""
    from nnviz.scenarios import embeddings

    session = EmbeddingsSession(EmbeddingsConfig())
    session.train_step()
    first = session.analogy_check()
    session.train_step()
    assert session.analogy_check() is not first  # a small check: every step
    clock = iter([100.0, 101.0, 105.0, 110.5, 111.0, 112.0]).__next__
    monkeypatch.setattr(embeddings.time, "perf_counter", clock)
    monkeypatch.setattr(embeddings, "CHEAP_CHECK", 0.0)
    session._check = None
    measured = session.analogy_check()  # 100 → 101: a check of 1 s
    session.train_step()
    assert session.analogy_check() is measured  # 4 s after it: not yet
    session.train_step()
    again = session.analogy_check()  # 9.5 s after it: due, runs 111 → 112
    assert again is not measured and session._check[0] == session.step_count
    assert session.analogy_check() is again  # the same step: never twice


def test_the_views_of_a_large_vocabulary_take_at_most_their_share(monkeypatch):
    """Above ``CHEAP_VIEWS`` the projection and the query's answers are redone once training
    has had 4 × their time (a fifth of the run), and at once after a live change."""
    from nnviz.scenarios import embeddings

    session = EmbeddingsSession(EmbeddingsConfig(analogy_set="none"))
    session.train_step()
    monkeypatch.setattr(embeddings, "CHEAP_VIEWS", 0.0)
    now = [100.0]
    monkeypatch.setattr(embeddings.time, "perf_counter", lambda: now[0])
    first = session.views()  # the first views, taking no time on this clock
    session._views_share.seconds = 0.5  # as if they took 0.5 s, ending at 100
    session.train_step()
    now[0] = 101.5
    assert session.views()["projection"] is first["projection"]  # 1.5 s < 4 × 0.5 s
    now[0] = 102.5
    second = session.views()
    assert second["projection"] is not first["projection"]
    assert second["projection"].title.endswith("step 2")
    session.apply_live({"query": "rome"})
    assert session.views()["word_query"].query == "rome"  # the same step: asked again
