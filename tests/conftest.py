"""Shared test set-up: Qt offscreen, a private runtime dir, and no thread may outlive a test."""

from __future__ import annotations

import os
import tempfile
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "XDG_RUNTIME_DIR" not in os.environ:
    _runtime = tempfile.mkdtemp(prefix="nnviz-runtime-")
    os.chmod(_runtime, 0o700)
    os.environ["XDG_RUNTIME_DIR"] = _runtime


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite tests/visual/goldens from the current rendering")


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    """Fail any test that leaves a Python thread running (a QThread shows up here too)."""
    before = set(threading.enumerate())
    yield
    leftover = []
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=2.0)
        if thread.is_alive():
            leftover.append(thread.name)
    assert not leftover, f"threads still running after the test: {leftover}"


@pytest.fixture
def settings_dir(tmp_path, monkeypatch):
    """Keep QSettings and user data of app tests out of the real home directory."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def app_interpreter():
    """The interpreter as ``nnviz`` the app sets it up (the GIL switch interval), for tests
    that measure how responsive the window stays while a training thread runs; restored
    afterwards so the rest of the suite keeps CPython's default."""
    import sys

    from nnviz.app.main import configure_interpreter

    default = sys.getswitchinterval()
    configure_interpreter()
    yield
    sys.setswitchinterval(default)


@pytest.fixture(autouse=True)
def features_in_one_call(monkeypatch):
    """hotdog's feature phase extracts as many images per call as fit in half a second: on a
    loaded machine 2 of a test's 10, so which calls carry which metrics would depend on the
    machine. Tests get every image (up to 32) in one call; those that follow the phase image by
    image set the budget down again."""
    from nnviz.scenarios import hotdog

    monkeypatch.setattr(hotdog, "EXTRACTION_STEP_SECONDS", 1e9)


@pytest.fixture
def runtime_dir(monkeypatch):
    """A private runtime folder of this test's own, where the app listens for watched runs
    (short: a Unix socket's path has about 100 bytes at most), and no watch address or token
    from the environment."""
    import shutil
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="nnw-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.delenv("NNVIZ_WATCH_ADDRESS", raising=False)
    monkeypatch.delenv("NNVIZ_WATCH_TOKEN", raising=False)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
