"""The outbox between the worker process's reader and the window: bounded by dropping old
views; and a run whose session cannot be built says why, from the child."""

from __future__ import annotations

from nnviz.app.outbox import KEEP_VIEWS, Outbox
from nnviz.app.runner import FINISHED, RunController
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Snapshot


def test_outbox_keeps_views_only_on_the_newest_snapshots():
    outbox = Outbox()
    config = get_scenario("moons").default_config()
    for step in range(20):
        outbox.put(Snapshot(1, "moons", step, 0.0, 0.0, {}, config, views={"big": step}))
    items = outbox.take_all()
    assert [s.step for s in items] == list(range(20))
    assert [bool(s.views) for s in items] == [False] * (20 - KEEP_VIEWS) + [True] * KEEP_VIEWS
    outbox.put(Snapshot(1, "moons", 20, 0.0, 0.0, {}, config, views={"big": 20}))
    assert outbox.take_all()[0].views == {"big": 20}


def test_a_build_error_in_the_child_becomes_an_error_message(qtbot):
    controller = RunController()
    messages: list[tuple[str, str]] = []
    controller.message.connect(lambda level, text: messages.append((level, text)))
    try:
        embeddings = get_scenario("embeddings")
        missing = embeddings.config_type().with_values({"corpus": "/nonexistent/corpus.txt"})
        controller.open(embeddings, missing, running=True)
        qtbot.waitUntil(lambda: controller.state == FINISHED, timeout=10_000)
        assert controller.describe() is None  # no session was built
    finally:
        controller.shutdown()
    errors = [text for level, text in messages if level == "error"]
    assert any("corpus file not found: /nonexistent/corpus.txt" in text for text in errors)
