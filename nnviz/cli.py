"""The ``nnviz`` command: launch the app, or run scenarios headless.

``nnviz NAME`` opens the app on a scenario or preset (the same as ``nnviz app NAME``); an
unknown name is an error that suggests the closest known ones. ``nnviz app FILE`` also opens a
saved or watched run file, and ``nnviz show FILE`` prints its curves.

Exit status: 0 success, 2 bad input (the one line on stderr names what was wrong and what is
accepted), 3 training diverged (after the last good report), 4 the figures of ``nnviz export``
could not be written (disk full, folder made read-only; nothing of that export is left behind),
130 interrupted.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from nnviz.cli_table import (
    LINE_WIDTH,
    header_lines,
    left_out_text,
    plan_columns,
    result_lines,
    row_line,
)

if TYPE_CHECKING:  # the modules load with the command that needs them (start-up time)
    from nnviz.scenarios.base import Scenario
    from nnviz.scenarios.presets import Preset
    from nnviz.session import Session

COMMANDS = ("list", "run", "export", "app", "show")
#: ``nnviz run`` without ``--every`` reports about this often over the run's real length
REPORTS = 10
EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3
EXIT_WRITE_FAILED = 4
#: as a shell reports a program killed by SIGPIPE (128 + 13): its reader closed the pipe
EXIT_BROKEN_PIPE = 141
#: argparse echoes what was typed; a message stays one readable line
ARGUMENT_MESSAGE_CHARACTERS = 300


class UsageError(Exception):
    """Bad command-line input; reported as one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit 2 itself
        from nnviz.scenarios.params import shown_text

        raise UsageError(shown_text(message, ARGUMENT_MESSAGE_CHARACTERS))


def count(text: str) -> int:
    """A whole number typed on the command line, in ASCII digits (``int("٣")`` is 3 in Python,
    which nobody means)."""
    from nnviz.scenarios.params import shown

    stripped = text.strip()
    if not stripped.isascii() or not stripped.lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number")
    return int(stripped)


def number(text: str) -> float:
    """A number typed on the command line, in ASCII (``float("١.٥")`` is 1.5 in Python)."""
    from nnviz.scenarios.params import shown

    try:
        if not text.strip().isascii():
            raise ValueError(text)
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a number") from None


def path_text(text: str) -> str:
    """A path (or a name) typed on the command line; an empty one would silently mean the
    current folder (``Path("")`` is ``.``), so it is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("it is empty; give a name or a path")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nnviz", description="A desktop lab for watching neural networks learn.",
                     epilog="nnviz NAME opens the app on a scenario or preset "
                            "(nnviz list shows them all).")
    sub = parser.add_subparsers(dest="command",
                                metavar="{list,run,export,app,show} or NAME")
    sub.add_parser("list", help="list scenarios and presets")

    run = sub.add_parser("run", help="train a scenario headless and print reports")
    _add_run_arguments(run)
    run.add_argument("--json", action="store_true", help="one JSON object per report line")

    export = sub.add_parser("export", help="train headless and write every panel as figures")
    _add_run_arguments(export, every=False)
    from nnviz.cli_export import add_export_arguments

    add_export_arguments(export)

    app = sub.add_parser("app", help="launch the desktop app (the default)")
    app.add_argument("target", nargs="?",
                     help="scenario or preset to open, or a run file or TensorBoard "
                          "log folder to show")
    app.add_argument("--listen", type=listen_address, metavar="HOST:PORT",
                     help="also take watched runs (nnviz.watch) over TCP on HOST:PORT; "
                          "prints the token scripts must present")

    show = sub.add_parser("show", help="print a recorded run's curves")
    from nnviz.cli_show import add_show_arguments

    add_show_arguments(show)
    return parser


def _add_run_arguments(parser: argparse.ArgumentParser, *, every: bool = True) -> None:
    parser.add_argument("scenario", help="scenario name (or a preset name)")
    parser.add_argument("--preset", type=path_text,
                        help="preset name or path to a preset .toml file")
    parser.add_argument("--set", dest="assignments", action="append", default=[],
                        metavar="KEY=VALUE", help="override a hyperparameter (repeatable)")
    parser.add_argument("--steps", type=count, help="training steps (default: the scenario's)")
    if every:
        parser.add_argument("--every", type=count,
                            help="report every K steps (default: 10 reports)")


def resolve_config(scenario_name: str, preset_name: str | None, assignments: Sequence[str]):
    """(scenario, config, preset) from the command line; raises UsageError on bad input."""
    from nnviz.scenarios.params import ParamError, shown
    from nnviz.scenarios.presets import PresetError, find_preset, preset_names, shipped_preset
    from nnviz.scenarios.registry import get_scenario, scenario_names

    scenarios = scenario_names()  # one scenario's module is imported, not every one
    preset = None
    try:
        if scenario_name not in scenarios:
            shipped = preset_names()
            if preset_name is None and scenario_name in shipped:
                preset = shipped_preset(scenario_name)
                scenario_name = preset.scenario
            else:
                raise UsageError(unknown_name_text(
                    f"unknown scenario {shown(scenario_name)}", scenario_name,
                    [*scenarios, *shipped], list(scenarios)))
        if preset_name is not None:
            preset = find_preset(preset_name)
            if preset.scenario != scenario_name:
                raise UsageError(
                    f"preset {preset.name!r} is for scenario {preset.scenario!r}, "
                    f"not {scenario_name!r}"
                )
    except PresetError as error:
        raise UsageError(str(error)) from None
    scenario = get_scenario(scenario_name)
    try:
        config = preset.config() if preset else scenario.default_config()
        parsed: dict[str, str] = {}
        for item in assignments:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise UsageError(f"--set {shown(item)}: expected KEY=VALUE")
            parsed[key.strip()] = value
        config = config.with_text(parsed)
    except ParamError as error:
        raise UsageError(str(error)) from None
    except PresetError as error:
        raise UsageError(str(error)) from None
    return scenario, config, preset


def divergence_line(snapshot: Any) -> str:
    """The session's divergence message plus what to do on the command line (the app's own
    words, Run and Reset, mean nothing here)."""
    from nnviz.scenarios.params import number_text

    rate = snapshot.config.as_dict().get("learning_rate")
    if not isinstance(rate, float):
        return f"nnviz: {snapshot.message}"
    lower = snapshot.config.param("learning_rate")
    smaller = rate / 10 if lower.minimum is None else max(rate / 10, lower.minimum)
    return (f"nnviz: {snapshot.message} Run again with, e.g., "
            f"--set learning_rate={number_text(float(f'{smaller:.3g}'))}")


def unknown_name_text(what: str, name: str, known: Sequence[str],
                      listed: Sequence[str]) -> str:
    """``what`` (e.g. "unknown scenario 'rcae'") with the closest ``known`` names, or the
    ``listed`` ones when none is close."""
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if close:
        return f"{what}; did you mean {' or '.join(close)}? (nnviz list shows them all)"
    return f"{what}; known: {', '.join(listed)}, and the presets nnviz list shows"


def check_target(name: str) -> None:
    """A scenario or preset the app can open by this name; UsageError saying why not."""
    from nnviz.scenarios.presets import PresetError, find_preset, preset_names
    from nnviz.scenarios.registry import get_scenario, scenario_names

    scenarios = scenario_names()  # opening one imports its module only, not every scenario's
    if name in scenarios:
        reason = get_scenario(name).unavailable_reason()
    elif name in preset_names():
        try:
            reason = find_preset(name).unavailable_reason()
        except PresetError as error:
            raise UsageError(str(error)) from None
    else:
        from nnviz.scenarios.params import shown

        raise UsageError(unknown_name_text(
            f"{shown(name)} is not a command, scenario or preset", name,
            [*COMMANDS, *scenarios, *preset_names()], [*COMMANDS, *scenarios]))
    if reason:
        raise UsageError(f"{name} cannot open here: {reason}")


def _check_steps(steps: int | None, every: int | None, default: int
                 ) -> tuple[int, int | None]:
    """(steps, every) as given, checked; the scenario's default when ``steps`` is None."""
    steps = default if steps is None else steps
    if steps < 0:
        raise UsageError(f"--steps {steps}: must be 0 or a positive integer")
    if every is not None and every < 1:
        raise UsageError(f"--every {every}: must be a positive integer")
    return steps, every


def default_steps(scenario: Scenario, preset: Preset | None) -> int:
    """Steps a run takes without ``--steps``: the preset's own length (a classic experiment's
    original number of updates), else the scenario's default."""
    steps = preset.steps if preset is not None else None
    return steps if steps is not None else scenario.default_steps


def run_length(steps: int, session: Session) -> int:
    """The steps a run will really take: ``steps``, or fewer when the session finishes by
    itself sooner (a race stops once every racer has run its epochs)."""
    planned = session.planned_steps
    return steps if planned is None else max(0, min(steps, planned))


def report_interval(steps: int, session: Session, reports: int = REPORTS) -> int:
    """Steps between reports so that about ``reports`` of them cover the run's real length."""
    return max(1, run_length(steps, session) // reports)


def note_text(text: str) -> str:
    """A note on stderr (not an error, which stays one line), wrapped to the table's width."""
    return "\n".join(textwrap.wrap(f"nnviz: {text}", LINE_WIDTH, subsequent_indent=" " * 7,
                                    break_on_hyphens=False, break_long_words=False)) + "\n"


def command_list(out: TextIO) -> int:
    from nnviz.scenarios.presets import GROUPS as PRESET_GROUPS
    from nnviz.scenarios.presets import usable_presets
    from nnviz.scenarios.registry import all_scenarios

    out.write("Scenarios (nnviz NAME opens one in the app, nnviz run NAME trains it here):\n")
    for name, scenario in all_scenarios().items():
        _list_entry(out, name, 14, scenario.description, scenario.unavailable_reason())
    presets, errors = usable_presets()
    if presets:
        out.write("\nPresets (nnviz PRESET, nnviz run PRESET, or nnviz run SCENARIO "
                  "--preset PRESET):\n")
        shown_group = None
        for name, preset in presets.items():
            if preset.group != shown_group:
                shown_group = preset.group
                out.write(f"  {PRESET_GROUPS[preset.group]}:\n")
            kind = (f"lesson {preset.lesson.order}" if preset.group == "lesson" and preset.lesson
                    else preset.scenario)
            _list_entry(out, name, 28, f"[{kind}] {preset.title}: {preset.description}",
                        preset.unavailable_reason(), lead=4)
    for error in errors:
        out.write(f"  (not listed: {error})\n")
    return 0


def _list_entry(out: TextIO, name: str, width: int, text: str, unavailable: str,
                lead: int = 2) -> None:
    """One entry, wrapped at the table width under its text; one that cannot open here says
    so, with what is missing and how to get it."""
    indent = " " * (lead + width + 1)

    def wrapped(paragraph: str) -> list[str]:
        return textwrap.wrap(paragraph, LINE_WIDTH - len(indent), break_on_hyphens=False,
                             break_long_words=False) or [""]

    lines = wrapped(text) + (wrapped(f"unavailable: {unavailable}") if unavailable else [])
    out.write(f"{' ' * lead}{name:<{width}} {lines[0]}\n")
    for line in lines[1:]:
        out.write(f"{indent}{line}\n")


def command_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from nnviz.scenarios.base import MissingDependency
    from nnviz.session import train

    scenario, config, preset = resolve_config(args.scenario, args.preset, args.assignments)
    steps, every = _check_steps(args.steps, args.every, default_steps(scenario, preset))
    try:
        session = scenario.create_session(config)
    except MissingDependency as error:
        raise UsageError(str(error)) from None
    except (OSError, ValueError) as error:
        raise UsageError(f"{scenario.name}: {error}") from None
    for note in session.notes:
        err.write(note_text(note))
    every = every or report_interval(steps, session)
    printer = (_JsonPrinter(out) if args.json
               else _TablePrinter(out, err, run_length(steps, session)))
    last = None
    try:
        for snapshot in train(session, max_steps=steps, every=every, views=False):
            if snapshot.diverged:
                printer.close()
                err.write(f"{divergence_line(snapshot)}\n")
                return EXIT_DIVERGED
            printer.report(snapshot.report(), final=snapshot.final)
            last = snapshot
            if snapshot.final and snapshot.message:  # why a run that finished by itself stopped
                printer.close()
                err.write(note_text(snapshot.message))
    except KeyboardInterrupt:
        err.write("nnviz: interrupted\n")
        return 130
    except BrokenPipeError:
        raise  # the reader of our output went away: ``main`` ends quietly
    except (OSError, ValueError) as error:  # data that only turns out bad once training reads it
        printer.close()  # ends the progress bar's line first
        err.write(f"nnviz: error: {scenario.name}: {error}\n")
        return EXIT_BAD_INPUT
    finally:
        printer.close()
    result = session.result_table() if last is not None else None
    if result is not None:
        printer.result(result)
    return 0 if last is not None else 1


class _JsonPrinter:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def report(self, record: dict[str, Any], *, final: bool) -> None:
        self.out.write(json.dumps(record | {"final": final} if final else record) + "\n")
        self.out.flush()

    def result(self, table: Any) -> None:
        """Nothing: every JSON line is a report, as a program reading them expects; the
        result table is for a person reading the table."""

    def close(self) -> None:
        pass


class _TablePrinter:
    """A table that fits the line (see :mod:`nnviz.cli_table`) on stdout, and a progress bar
    on stderr when it is a terminal."""

    def __init__(self, out: TextIO, err: TextIO, total: int) -> None:
        self.out, self.err, self.total = out, err, max(total, 1)
        self.keys: list[str] = []
        self.layout: Any = None
        self.said_left_out = ""
        self.bar = err.isatty()
        self.last_step: Any = None
        self.width = shutil.get_terminal_size((LINE_WIDTH, 24)).columns if out.isatty() \
            else LINE_WIDTH

    def report(self, record: dict[str, Any], *, final: bool) -> None:
        if final and record.get("step") == self.last_step:
            return  # the final report repeats the last row unless the run ended early
        self.last_step = record.get("step")
        if self.bar:
            self.err.write("\r" + " " * 60 + "\r")
        if self.layout is None or not set(record) <= set(self.keys):
            # a metric that becomes defined mid-run (hotdog's validation accuracy) gets a
            # column from then on, under a repeated header
            self.keys = list(dict.fromkeys([*record, *self.keys]))
            self.layout = plan_columns(self.keys, self.width, len(str(self.total)))
            left_out = left_out_text(self.layout)
            if left_out and left_out != self.said_left_out:
                self.err.write(note_text(left_out))
                self.said_left_out = left_out
            self.out.write("\n".join(header_lines(self.layout)) + "\n")
        self.out.write(row_line(self.layout, record) + "\n")
        self.out.flush()
        if self.bar:
            done = min(record.get("step", 0) / self.total, 1.0)
            filled = int(done * 40)
            self.err.write(f"[{'#' * filled}{'.' * (40 - filled)}] {done:6.1%}")
            self.err.flush()

    def result(self, table: Any) -> None:
        """The run's result (the race's finish line) under the reports."""
        self.out.write("\n" + "\n".join(result_lines(table.title, table.columns, table.rows))
                       + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.bar:
            self.err.write("\n")
            self.bar = False


def launch_app(target: str | None, err: TextIO, run_file: str | None = None,
               **options: str) -> int:
    """Start the app; ``options`` go to ``run_app`` (``listen="HOST:PORT"``)."""
    try:
        from nnviz.app.main import run_app
    except ImportError as error:
        err.write(f"nnviz: the desktop app cannot start: {error}\n")
        return 1
    return run_app(target, run_file, **options) if run_file is not None \
        else run_app(target, **options)


def listen_address(text: str) -> str:
    """``--listen``'s value when it is HOST:PORT (argparse reports the error otherwise)."""
    from nnviz.watching.address import parse_address

    try:
        address = parse_address(text)
    except ValueError:
        address = None
    if address is None or address.is_local:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:7345; "
                                         "the local socket is always on)")
    return text


#: what a run file's name ends with: such a name is a run file even when it does not exist
#: (``nnviz app runs/resnet.nnviz`` with a typo says "no such file", not "unknown scenario")
RUN_FILE_SUFFIXES = (".nnviz", ".npz")


def checked_run_file(text: str) -> str | None:
    """``text`` when it names a file (``nnviz app runs/resnet.nnviz``) that opens as a run;
    None when it names no file; UsageError with the loader's one line when it cannot open."""
    from pathlib import Path

    path = Path(text)
    run_suffix = path.suffix.lower() in RUN_FILE_SUFFIXES
    if path.is_dir():  # TensorBoard logs, unless the folder is named like a scenario
        if _names_a_target(text):
            return None
    elif not run_suffix and (not path.is_file() or path.suffix.lower() == ".toml") \
            and "tfevents" not in path.name:
        return None  # a scenario, a preset, or a preset's .toml
    from nnviz.io.runs import RunFileError, load_run

    try:
        load_run(Path(text))
    except RunFileError as error:
        raise UsageError(str(error)) from None
    return text


def _names_a_target(text: str) -> bool:
    """Whether ``text`` is a scenario or preset name (it wins over a folder of that name)."""
    from nnviz.scenarios.presets import preset_names
    from nnviz.scenarios.registry import scenario_names

    return text in scenario_names() or text in preset_names()


def with_bare_name_as_app(argv: list[str]) -> list[str]:
    """``nnviz race`` means ``nnviz app race``: a first word that is not a command or an
    option names what the app opens."""
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        return ["app", *argv]
    return argv


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    argv = with_bare_name_as_app(list(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            return launch_app(None, err)
        if args.command == "app":
            listen = {"listen": args.listen} if args.listen else {}
            run_file = checked_run_file(args.target) if args.target is not None else None
            if run_file is not None:
                return launch_app(None, err, run_file, **listen)
            if args.target is not None:
                check_target(args.target)
            return launch_app(args.target, err, **listen)
        if args.command == "list":
            return command_list(out)
        if args.command == "run":
            return command_run(args, out, err)
        if args.command == "export":
            from nnviz.cli_export import command_export

            return command_export(args, out, err)
        if args.command == "show":
            from nnviz.cli_show import command_show

            return command_show(args, out, err)
        raise UsageError(f"unknown command {args.command!r}")
    except UsageError as error:
        err.write(f"nnviz: error: {error}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader went away (``nnviz show run.nnviz | head``): not an error to report; point
        # stdout at nothing so the interpreter's final flush does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE

