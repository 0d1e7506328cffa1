"""What any worker does around the training loop, on a thread of the window or in this
package's process: the torch thread limit for a run, and the line a failure is told in."""

from __future__ import annotations

import sys

from nnviz.session import Session


def limit_torch_threads_for(session: Session) -> None:
    """One torch thread, if torch is loaded and the run's config does not choose a count."""
    if "torch" in sys.modules and "torch_threads" not in session.config.params():
        from nnviz.backends.device import limit_torch_threads

        limit_torch_threads(1)


def failure_text(error: BaseException) -> str:
    """The one line a person reads when training stops on ``error``.

    nnviz's bad-input errors (``ValueError``/``OSError`` and their kinds: a file that cannot
    be read, a setting out of range) are sentences already, shown as they are; anything else
    keeps its class's short name, which says what kind of fault it was. Never a module path:
    "nnviz.data.table_file.TableFileError: …" is noise to the person reading it.
    """
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ""
    if text and isinstance(error, (ValueError, OSError)):
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
