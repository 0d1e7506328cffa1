"""The error of a value that a setting does not accept.

It lives in the core because records of the core check their own settings (a racer's ``lr=``
in :mod:`nnviz.core.racers`) and must fail as a scenario's hyperparameters do: the CLI, preset
files, the controls and the panels catch this one class and show its one-line message.
:mod:`nnviz.scenarios.params` raises it for every hyperparameter and exports it under the same
name, with :func:`shown` and :func:`shown_text`, which keep each message one short line.
"""

from __future__ import annotations

import reprlib


class ParamError(ValueError):
    """A value that a hyperparameter does not accept; the message names key, value and rule."""


#: the most characters of a value an error message echoes: a message is one readable line, and
#: a preset with a million-element list must not print a 3 MB one
SHOWN_CHARACTERS = 80

_shown = reprlib.Repr()
_shown.maxlevel = 3
_shown.maxlist = _shown.maxtuple = _shown.maxdict = _shown.maxset = 6
_shown.maxstring = _shown.maxother = _shown.maxlong = SHOWN_CHARACTERS


def shown(value: object, limit: int = SHOWN_CHARACTERS) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters with an ellipsis.

    :mod:`reprlib` abbreviates long lists, long strings and deep nesting without building the
    whole ``repr`` first (which for a hostile value is slow, huge, or a RecursionError).
    """
    try:
        text = _shown.repr(value)
    except (ValueError, RecursionError):  # e.g. an int past Python's 4300-digit str limit
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown_text(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """Free text (an OS or library message) cut to ``limit`` characters, on one line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"
