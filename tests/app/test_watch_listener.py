"""The app's listener for watched scripts: a private local socket, a token on TCP, and nothing
from the wire it does not expect."""

from __future__ import annotations

import os
import socket
import stat
import warnings
from pathlib import Path

import pytest

from nnviz.app.watch_listener import WatchedRun, WatchListener
from nnviz.app.watch_steering import SteeringControls
from nnviz.core.watch_readings import ParamGroupSettings
from nnviz.watching.link import AppLink
from nnviz.watching.protocol import frame_bytes

WAIT_MS = 10_000


@pytest.fixture
def listener(qtbot, runtime_dir):
    made = WatchListener()
    yield made
    made.close()


def hello(name: str = "script", **extra) -> dict:
    return {"type": "hello", "name": name, "pid": 1, "steerable": True, "reason": "",
            "groups": (ParamGroupSettings(0, 10, 0.1),), **extra}


def exchanged(link: AppLink) -> bool:
    """Let ``link`` connect, send and read now (as a script's ``step()`` does)."""
    link.exchange()
    return True


def raw_client(path: Path) -> socket.socket:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(path))
    return client


def test_the_local_socket_is_private(listener, runtime_dir):
    address = listener.listen_local()
    assert address.path == runtime_dir / "nnviz" / "watch.sock"
    assert stat.S_ISSOCK(os.stat(address.path).st_mode)
    assert stat.S_IMODE(os.stat(address.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(address.path.parent).st_mode) == 0o700
    listener.close()
    assert not address.path.exists()  # removed when the app stops listening


def test_a_second_app_does_not_take_a_live_socket_but_replaces_a_stale_one(qtbot, listener):
    address = listener.listen_local()
    other = WatchListener()
    with pytest.raises(OSError, match="already listening"):
        other.listen_local()
    listener.close()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(address.path))  # a file left by an app that crashed: nobody answers
    stale.close()
    assert other.listen_local() == address
    other.close()


def test_a_watcher_is_accepted_and_its_snapshots_kept(qtbot, listener):
    listener.listen_local()
    from nnviz.session import Snapshot
    from nnviz.watching.records import WatchConfig

    link = AppLink({"name": "kept", "steerable": True, "reason": "", "groups": ()})
    for step in (1, 2, 3):
        link.take(Snapshot(run_id=1, scenario="watch", step=step, epoch=0.0,
                           wall_seconds=0.0, metrics={"loss": 1.0 / step},
                           config=WatchConfig(name="kept")))
    qtbot.waitUntil(lambda: any(run.steps == 3 for run in listener.runs.values()),
                    timeout=WAIT_MS)
    run = next(iter(listener.runs.values()))
    assert run.name == "kept" and run.record.run_id == run.run_id != 1  # the app's own id
    link.close()
    qtbot.waitUntil(lambda: not run.connected, timeout=WAIT_MS)


def test_tcp_needs_the_token(qtbot, listener):
    address, token = listener.listen_tcp("127.0.0.1", 0)
    wrong = AppLink({"name": "intruder"}, address=str(address), token="guess")
    with pytest.warns(RuntimeWarning, match="wrong token"):
        qtbot.waitUntil(lambda: exchanged(wrong) and bool(wrong.refused), timeout=WAIT_MS)
    assert listener.runs == {} and "wrong token" in listener.refusals[0]

    right = AppLink({"name": "friend"}, address=str(address), token=token)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        qtbot.waitUntil(lambda: exchanged(right) and bool(listener.runs), timeout=WAIT_MS)
    assert next(iter(listener.runs.values())).name == "friend"
    right.close()


@pytest.mark.parametrize(("sent", "refusal"), [
    ([hello(), {"type": "exec", "code": "import os"}], "unknown message kind 'exec'"),
    ([{"type": "snapshot", "snapshot": None}], "'snapshot' before hello"),
    ([hello(), {"type": "snapshot", "snapshot": "a string"}], "without a snapshot"),
    ([hello(groups=("not a group",))], "groups are not groups"),
])
def test_messages_it_does_not_expect_close_the_connection(qtbot, listener, sent, refusal):
    address = listener.listen_local()
    client = raw_client(address.path)
    for message in sent:
        client.sendall(frame_bytes(message))
    qtbot.waitUntil(lambda: bool(listener.refusals), timeout=WAIT_MS)
    assert refusal in listener.refusals[0]
    assert client.recv(1 << 16)  # told why …
    client.settimeout(10)
    while client.recv(1 << 16):  # … then closed
        pass
    client.close()


def test_bytes_that_are_not_a_frame_are_refused(qtbot, listener):
    address = listener.listen_local()
    client = raw_client(address.path)
    client.sendall((64).to_bytes(8, "little") + b"\x80\x04pickle!" + b"\0" * 56)
    qtbot.waitUntil(lambda: bool(listener.refusals), timeout=WAIT_MS)
    assert "not an nnviz message" in listener.refusals[0]
    client.close()


def test_a_run_that_refuses_steering_shows_its_controls_disabled_with_the_reason(qtbot,
                                                                                 listener):
    run = WatchedRun("run1", "locked", 7, steerable=False,
                     reason="the script said steerable=False",
                     groups=(ParamGroupSettings(0, 10, 0.1, 0.9, 0.0),))
    listener.runs[run.key] = run
    controls = SteeringControls()
    qtbot.addWidget(controls)
    controls.show_run(run)
    assert controls.editors[(0, "learning_rate")].text() == "0.1"
    assert not any(editor.isEnabled() for editor in controls.editors.values())
    assert not controls.pause_button.isEnabled() and not controls.step_button.isEnabled()
    assert "steerable=False" in controls.reason.text() and not controls.reason.isHidden()
    assert listener.send(run.key, {"type": "pause"}) is False  # nothing goes out either


def test_a_script_that_reconnects_goes_on_in_the_same_run(qtbot, listener):
    listener.listen_local()
    link = AppLink({"name": "again", "session": "5eed", "groups": ()}, retry_seconds=0.0)
    qtbot.waitUntil(lambda: exchanged(link) and bool(listener.runs), timeout=WAIT_MS)
    run = next(iter(listener.runs.values()))
    link._disconnect()  # the connection broke (the script keeps running)
    qtbot.waitUntil(lambda: not run.connected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: exchanged(link) and run.connected, timeout=WAIT_MS)
    assert list(listener.runs.values()) == [run] and link.connections == 2
    link.close()


def test_a_script_that_started_before_the_app_shows_its_earlier_steps(qtbot, listener):
    """The steps taken before the app listened arrive as the link's backlog, after the
    hello: the run's curves start at step 1, not at the step it connected."""
    import nnviz

    watcher = nnviz.watch(None, name="early bird", every=1, snapshots_per_second=1000.0)
    watcher.steering.link.retry_seconds = 0.0  # try at every step once the app is there
    for step in range(1, 31):
        watcher.step(loss=1.0 / step)
    listener.listen_local()
    watcher.close()  # its final snapshot connects: the hello, the backlog, then the final one
    qtbot.waitUntil(lambda: any(not run.connected for run in listener.runs.values()),
                    timeout=WAIT_MS)
    (run,) = listener.runs.values()
    steps, _ = run.record.trace_arrays()["loss"]
    assert list(steps) == list(range(1, 31)) and run.steps == 30
