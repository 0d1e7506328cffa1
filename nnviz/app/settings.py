"""Where the app keeps its settings: an INI file in the user's config folder.

An explicit path (rather than ``QSettings("nnviz", "nnviz")``) because Qt caches the native
location once per process; computing it per call lets tests point ``XDG_CONFIG_HOME`` at a
temporary folder and keeps them out of the real home directory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths


def settings_path() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base or Path.home() / ".config") / "nnviz" / "nnviz.ini"


def app_settings(path: str | Path | None = None) -> QSettings:
    return QSettings(str(path or settings_path()), QSettings.Format.IniFormat)


def scratch_settings(prefix: str = "nnviz-") -> QSettings:
    """Settings in a new temporary folder, for scripts and benchmarks that open the window
    without touching the person's layout. Never ``os.devnull``: QSettings saves by writing a
    new file and renaming it over the old one, which as root would replace /dev/null."""
    return app_settings(Path(tempfile.mkdtemp(prefix=prefix)) / "settings.ini")
