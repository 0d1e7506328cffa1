"""Axes a reader never has to decode, ticks that fit their axis, and an empty state.

pyqtgraph's ``AxisItem`` rescales values it finds large or small and moves the factor into the
label ("loss (x0.001)" over ticks 300…800); a figure pasted into a paper must not ask its reader
to undo that. :class:`PlainAxisItem` never rescales, and :func:`plain_axes` puts it on every
side of a plot. Every panel calls :func:`plain_axes` on each plot it builds.

Tick label conventions (one per axis, so neighbouring labels always read alike):

* linear axes print the values themselves, with the decimals the tick spacing needs and
  thousands separated by commas ("0.25", "12,000"); only when a value reaches a million, or the
  spacing drops below 10⁻⁴, the whole axis switches to powers of ten ("1.5·10⁶");
* log axes put their major ticks on decades. Decades between 0.001 and 10,000 print as values
  ("0.001", "0.1", "1", "1,000"): a reader sees the number without counting exponents. Once an
  axis reaches beyond them every label is a power of ten ("10⁻¹²", "10⁻⁶", "10⁰"), the shortest
  clear form when there are many zeros. Minor ticks (2…9 × a decade) carry no labels;
* tick density follows the axis's length in pixels and the size of its label text, and labels
  that would still touch are dropped, so a 120-pixel plot never prints overlapping text; a
  log axis counts only the ticks whose labels fit inside it, so it never reads one number.

An axis's caption wraps at spaces to the axis's length and is centred again whenever its words
change; a side caption longer than a squeezed plot hangs from the plot's top instead of
reaching up into the plot stacked above.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

#: what an empty plot says before any data has arrived
NO_DATA_YET = "No data yet — press Run"

#: linear tick intervals are these multiples of a power of ten
_NICE_MULTIPLES = (1.0, 2.0, 5.0, 10.0)
#: labelled decades on a log axis are every k-th decade, k from this list
_DECADE_STRIDES = (1, 2, 3, 4, 5, 6, 10, 20, 50, 100)
#: denser labels on a log axis: mantissas per decade, and the closest two of them as a ratio
_DENSER_LOG_LABELS = (((1, 2, 5), 2.0), ((1, 2, 3, 5), 1.5), ((1, 2, 3, 4, 5, 6, 8), 1.2),
                      (tuple(range(1, 10)), 10 / 9))
#: the least room between two of those denser labels (they sit unevenly, so a little less)
_DENSE_LOG_STEP_PX = 24.0
#: decade values printed as numbers; beyond these a log axis prints powers of ten
_PLAIN_DECADES = range(-3, 5)
#: a linear axis switches to powers of ten at this magnitude, or below this tick spacing
_SCIENTIFIC_FROM = 1e6
_SCIENTIFIC_BELOW_SPACING = 1e-4
#: pixels of air between two neighbouring tick labels, and the least distance between ticks
_LABEL_GAP_PX = 6.0
_MIN_MINOR_TICK_PX = 5.0
#: long axes keep their labels at least this far apart, so they do not fill with numbers
_MIN_LABEL_STEP_PX = {"vertical": 38.0, "horizontal": 70.0}
#: and a very long axis shows about this many labels at most
_MOST_LABELS = 10

#: tick texts whose widths an axis remembers before it starts over (a long run's changing range
#: keeps producing new ones)
_MOST_WIDTHS_KEPT = 4096

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class PlainAxisItem(pg.AxisItem):
    """An axis that prints values as they are, with as many ticks as its length has room for.

    Automatic SI prefixes are off and cannot be turned back on: ``enableAutoSIPrefix(True)``
    is ignored, because a prefix puts a factor into the label that the reader must undo.
    Only major ticks carry labels; minor ticks are marks.
    """

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.style["maxTextLevel"] = 0
        self.style["maxTickLevel"] = 1
        #: the value range the tick-label strip last widened at (see _updateMaxTextSize)
        self._widened_at: tuple[float, float] | None = None
        #: tick texts measured in the tick font (see _metrics)
        self._measured_font = ""
        self._font_metrics: QtGui.QFontMetricsF | None = None
        self._widths: dict[str, float] = {}
        self.enableAutoSIPrefix(False)
        # painted from a pixmap until the axis changes: replaying its picture (every tick
        # label's text laid out again) cost about 1.7 ms an axis in every paint of its plot,
        # though a new point or curve seldom moves the ticks
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    # --- the strip for tick labels does not swing ----------------------------------------

    def _updateMaxTextSize(self, x: int) -> None:
        """Widen the strip the tick labels get at once; narrow it only once the axis shows
        other values than when it last widened.

        pyqtgraph sizes the strip to the labels of the last paint, and the strip's width
        changes the plot's size. Without this a loop forms: "0.5 … 2.0" widen a left axis, the
        plot narrows, its bottom caption wraps onto a second line, the plot grows shorter and
        ticks only "1, 2", the strip narrows, the caption unwraps, and back. Every other frame
        the axis title ("count") is printed over the wider numbers (the moons histogram at
        1024×700). The value range is the reader's data: it changes the labels for a reason,
        while a resize the strip itself caused must not narrow it again.
        """
        current = self.textWidth if self._vertical() else self.textHeight
        shown = (float(self.range[0]), float(self.range[1]))
        if x > current:
            self._widened_at = shown
        elif x < current and self._widened_at == shown:
            x = current
        super()._updateMaxTextSize(x)

    # --- the axis's own label wraps to its length ----------------------------------------

    def setLabel(self, text: str | None = None, units: str | None = None,
                 unitPrefix: str | None = None, **kwargs: Any) -> None:
        """Words the axis already shows leave it as it is: pyqtgraph lays the label out again
        and redraws the whole axis at every call, and panels set their captions at every
        draw (two of the three axis redraws of a histograms frame were such repeats)."""
        if (self.label is not None and (text or "") == self.labelText
                and (units or "") == self.labelUnits
                and (unitPrefix or "") == self.labelUnitPrefix
                and (not kwargs or kwargs == self.labelStyle)
                and self.label.isVisibleTo(self) == bool(text or units)):
            return
        super().setLabel(text, units, unitPrefix, **kwargs)

    def show(self) -> None:
        """Showing a shown axis leaves it as it is: ``PlotItem.setLabel`` shows the axis at
        every call, and pyqtgraph sizes it again and throws its picture away each time."""
        if not self.isVisible():
            super().show()

    def resizeEvent(self, ev=None) -> None:
        """Wrap the label to the axis's new length before pyqtgraph centres it; a side
        label longer than its axis starts at the axis's top and runs down past its foot."""
        self._wrap_label()
        super().resizeEvent(ev)
        self._hang_long_side_label()

    def _hang_long_side_label(self) -> None:
        """pyqtgraph centres a side label on its axis, so one longer than a squeezed plot
        sticks out at both ends: up into the plot stacked above (whose own label it then
        runs into, "accuracyloss") and down. Hung from the top it only runs down, into the
        empty corner beside the x axis's numbers."""
        if self.label is None or not self._vertical():
            return
        length = self.label.boundingRect().width()  # along the axis: the label is rotated
        height = self.size().height()
        if length > height:
            self.label.setY(int(length))

    def _updateLabel(self) -> None:
        """New words: wrap and centre them now (pyqtgraph centres its label only when the
        axis resizes, so a caption that grew later started mid-axis and ran off the end)."""
        super()._updateLabel()
        self.resizeEvent()

    def _wrap_label(self) -> None:
        """A label longer than its axis ("step (old steps thinned, spikes kept)" under a
        300-pixel plot) breaks into centred lines at spaces instead of running past both
        ends of the plot, where the panel cuts it; the axis grows by the extra lines
        (pyqtgraph sizes a bottom axis by its label's height, a left one by its label's
        rotated width). A single word is never broken ("accuracy", not "accur-acy")."""
        label = self.label
        if label is None:
            return
        option = label.document().defaultTextOption()
        option.setAlignment(QtCore.Qt.AlignmentFlag.AlignHCenter)
        option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
        label.document().setDefaultTextOption(option)
        before = label.boundingRect().height()
        longest_word = self._longest_word_px()
        length = self.size().height() if self._vertical() else self.size().width()
        if length > 0 and label.boundingRect().width() > length:
            label.setTextWidth(max(length, longest_word))
        if label.boundingRect().height() != before:
            self._adjustSize()

    def _longest_word_px(self) -> float:
        """The width of the label's longest word (the narrowest it can wrap to), 0 without
        a label shown. The label is left unwrapped."""
        if self.label is None or not self.label.isVisible():
            return 0.0
        self.label.setTextWidth(1.0)
        longest_word = self.label.document().idealWidth()
        self.label.setTextWidth(-1)
        return longest_word

    def enableAutoSIPrefix(self, enable: bool = True) -> None:
        """Keep SI prefixes off whatever is asked (see the class docstring)."""
        self.autoSIPrefix = False
        self.autoSIPrefixScale = 1.0
        self.labelUnitPrefix = ""
        self._updateLabel()

    # --- where ticks go --------------------------------------------------------------------

    def tickSpacing(self, minVal: float, maxVal: float, size: float):
        """The smallest nice interval (1, 2 or 5 × 10ⁿ) whose labels fit between its ticks."""
        if self._tickSpacing is not None:
            return self._tickSpacing
        span = abs(maxVal - minVal)
        if span == 0 or not math.isfinite(span) or size <= 0:
            return []
        major = self._fitting_interval(minVal, maxVal, span, size)
        levels = [(major, 0.0)]
        minor = _minor_interval(major, span, size)
        if minor is not None:
            levels.append((minor, 0.0))
        return levels

    def _fitting_interval(self, low: float, high: float, span: float, size: float) -> float:
        """The smallest nice interval whose labels fit; on a long axis the smallest that also
        keeps labels comfortably apart, unless that would leave fewer than three of them."""
        fitting = self._smallest_interval(low, high, span, size, roomy=False)
        roomy = self._smallest_interval(low, high, span, size, roomy=True)
        labels = math.floor(high / roomy + 1e-9) - math.ceil(low / roomy - 1e-9) + 1
        chosen = roomy if labels >= 3 else fitting
        return self._with_a_label_inside(low, high, size, chosen)

    def _with_a_label_inside(self, low: float, high: float, size: float,
                             interval: float) -> float:
        """``interval``, or the next finer nice one if none of its labels lies wholly inside
        the axis: pyqtgraph drops a label that sticks out past an end, so on a short axis
        (0…25,000 over 92 pixels: "0" at the left end, "20,000" 0.4 pixels past the right)
        a fitting interval can print no number at all. Finer ticks that would touch are
        dropped when drawn (:func:`drop_touching_labels`), so at least one number stays."""
        if self._vertical() or self._labels_inside(low, high, size, interval):
            return interval
        for finer in _finer_nice_intervals(interval):
            if self._labels_inside(low, high, size, finer):
                return finer
        return interval

    def _labels_inside(self, low: float, high: float, size: float, interval: float) -> int:
        """How many labels at multiples of ``interval`` fit wholly inside a horizontal axis."""
        first = math.ceil(low / interval - 1e-9) * interval
        values = [first + k * interval for k in range(int((high - first) / interval + 1e-9) + 1)]
        inside = 0
        for value, text in zip(values[:50], self.tickStrings(values[:50], 1.0, interval),
                               strict=True):
            centre = (value - low) / (high - low) * size
            half = self._text_width(text) / 2
            inside += half <= centre <= size - half
        return inside

    def _smallest_interval(self, low: float, high: float, span: float, size: float,
                           roomy: bool) -> float:
        # no interval that puts labels closer than the narrowest possible one (a digit) can
        # fit, so the search starts at the decade of that bound, not at one pixel a tick
        least = self._least_label_step_px(size, roomy)
        # (each candidate is multiple × 10ⁿ computed afresh: a power of ten multiplied up
        # step by step drifts, and the drift moved a label onto the other side of an end)
        exponent = math.floor(math.log10(span * least / max(size, 1.0)))
        while True:
            for multiple in _NICE_MULTIPLES:
                interval = multiple * 10.0 ** exponent
                if interval / span * size >= self._label_step_px(low, high, interval, size, roomy):
                    return interval
            exponent += 1

    def _least_label_step_px(self, size: float, roomy: bool) -> float:
        """A lower bound of :meth:`_label_step_px` at any interval: a label is at least one
        digit wide (or one line high)."""
        if self._vertical():
            extent = self._text_height()
        else:
            extent = min(self._text_width(digit) for digit in "0123456789")
        needed = max(extent + _LABEL_GAP_PX, 1.0)
        if not roomy:
            return needed
        least = _MIN_LABEL_STEP_PX["vertical" if self._vertical() else "horizontal"]
        return max(needed, least, size / _MOST_LABELS)

    def _label_step_px(self, low: float, high: float, interval: float, size: float,
                       roomy: bool) -> float:
        """Pixels one label needs along the axis (text plus air) at this tick interval, or
        with ``roomy`` at least the distance that keeps a long axis from filling with numbers."""
        if self._vertical():
            extent = self._text_height()
        else:
            first = math.ceil(low / interval) * interval
            values = [first + k * interval for k in range(int((high - first) / interval) + 1)]
            extent = max((self._text_width(text) for text in
                          self.tickStrings(values[:50], 1.0, interval)), default=0.0)
        needed = extent + _LABEL_GAP_PX
        if not roomy:
            return needed
        least = _MIN_LABEL_STEP_PX["vertical" if self._vertical() else "horizontal"]
        return max(needed, least, size / _MOST_LABELS)

    def logTickValues(self, minVal: float, maxVal: float, size: float, stdTicks):
        """Decades as labelled major ticks (every k-th one when they would crowd), and the
        decades' 2…9 multiples as unlabelled minor ticks when there is room for them."""
        low, high = sorted((minVal, maxVal))
        if high - low <= 0 or size <= 0:
            return []
        px_per_decade = size / (high - low)
        labelled = self._labelled_log_ticks(low, high, px_per_decade)
        minor = _log_minor_ticks(low, high, px_per_decade, set(labelled))
        return [(None, labelled), (None, minor)]

    def _labelled_log_ticks(self, low: float, high: float, px_per_decade: float) -> list[float]:
        """Decades, every k-th one when they would crowd. An axis too short in value to hold
        two decades labels 1-2-5 (or more) × each decade, as many as it has room for.

        Only ticks whose label fits inside the axis count: pyqtgraph drops a label that would
        stick out past either end, so a decade a few pixels from the end is no label at all
        (0.086…1.03 would read "0.1" alone, and one label does not tell a log scale)."""
        all_decades = range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)
        needed = self._log_label_step_px([float(d) for d in all_decades] or [low, high])
        overhang = max((needed - _LABEL_GAP_PX) / 2 - self._label_overhang_px(), 0.0)
        low, high = self._label_room(low, high, px_per_decade, overhang)
        decades = [float(d) for d in range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)]
        stride = next((k for k in _DECADE_STRIDES if k * px_per_decade >= needed),
                      _DECADE_STRIDES[-1])
        if len(decades) >= 2:
            thinned = [d for d in decades if d % stride == 0]
            return thinned if len(thinned) >= 2 else decades[::stride]
        chosen = decades
        roomy = max(needed, _DENSE_LOG_STEP_PX)
        for mantissas, closest_ratio in _DENSER_LOG_LABELS:
            if math.log10(closest_ratio) * px_per_decade < roomy:
                break
            chosen = _mantissa_ticks(low, high, mantissas)
        if len(chosen) >= 2:
            return chosen
        for mantissas, _ in _DENSER_LOG_LABELS:  # too narrow: take what there is
            ticks = _mantissa_ticks(low, high, mantissas)
            if len(ticks) >= 2:
                return ticks
        return _linear_ticks_in_log(low, high)

    @staticmethod
    def _label_room(low: float, high: float, px_per_decade: float,
                    inset_px: float) -> tuple[float, float]:
        """The part of ``low…high`` (in decades) ``inset_px`` pixels in from each end (where a
        label is drawn whole), or all of it if that leaves none."""
        inset = inset_px / px_per_decade
        return (low + inset, high - inset) if high - low > 2 * inset else (low, high)

    def _label_overhang_px(self) -> float:
        """How far pyqtgraph lets a tick label stick out past the end of this axis before
        dropping it: nothing on a gridded axis (its bounds are the plot's) or where it hides
        overlapping labels (bottom axes), else ``hideOverlappingLabels`` pixels (15 when
        False, pyqtgraph's default for side axes)."""
        if self.linkedView() is not None and self.grid is not False:
            return 0.0
        hide = self.style["hideOverlappingLabels"]
        if hide is True:
            return 0.0
        if hide is False:
            return 15.0
        try:
            return float(int(hide))
        except ValueError:
            return 0.0

    def _log_label_step_px(self, exponents: Sequence[float]) -> float:
        if self._vertical():
            return self._text_height() + _LABEL_GAP_PX
        texts = self.logTickStrings(list(exponents), 1.0, 1.0)
        return max(self._text_width(text) for text in texts) + _LABEL_GAP_PX

    # --- what ticks say --------------------------------------------------------------------

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Values as they are; see the module docstring for the convention."""
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        return linear_tick_strings([value * scale for value in values], spacing * scale)

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Decade values as numbers or, on axes that reach far, as powers of ten."""
        return log_tick_strings([value + math.log10(scale) for value in values])

    # --- labels never overlap --------------------------------------------------------------

    def generateDrawSpecs(self, p: QtGui.QPainter):
        """pyqtgraph's layout, minus any label that would touch one drawn before it."""
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis_spec, tick_specs, text_specs = specs
        return axis_spec, tick_specs, drop_touching_labels(text_specs, self._vertical())

    # --- measuring -------------------------------------------------------------------------

    def _vertical(self) -> bool:
        return self.orientation in ("left", "right")

    def _metrics(self) -> QtGui.QFontMetricsF:
        """The tick font's metrics, with the widths of the texts measured in it so far.

        Choosing an interval measures a few hundred candidate labels, and the axis chooses
        again whenever its range moves (every frame of a live loss curve): measured afresh,
        that was about 4 ms an axis, the most expensive Python in a running window's paints.
        """
        font = self.style["tickFont"] or self.font()
        key = font.key()
        if key != self._measured_font:
            self._measured_font = key
            self._font_metrics = QtGui.QFontMetricsF(font)
            self._widths = {}
        return self._font_metrics

    def _text_height(self) -> float:
        return self._metrics().height() * 0.8  # what pyqtgraph's layout gives a label

    def _text_width(self, text: str) -> float:
        metrics = self._metrics()
        width = self._widths.get(text)
        if width is None:
            if len(self._widths) >= _MOST_WIDTHS_KEPT:
                self._widths.clear()
            width = self._widths[text] = metrics.horizontalAdvance(text)
        return width


def linear_tick_strings(values: Sequence[float], spacing: float) -> list[str]:
    """Tick labels of a linear axis, all in one notation and with one number of decimals."""
    if not values:
        return []
    largest = max(abs(value) for value in values)
    if largest >= _SCIENTIFIC_FROM or (0 < spacing < _SCIENTIFIC_BELOW_SPACING):
        exponent = math.floor(math.log10(largest) + 1e-9) if largest > 0 else 0
        return [_power_of_ten_label(value, exponent, spacing) for value in values]
    places = max(0, math.ceil(-math.log10(spacing) - 1e-9)) if spacing > 0 else 0
    return [_plain_number(value, places) for value in values]


def log_tick_strings(exponents: Sequence[float]) -> list[str]:
    """Labels for ticks at 10**exponent: numbers near 1, powers of ten on far-reaching axes."""
    values = [10.0 ** exponent for exponent in exponents]
    decades = [round(e) for e in exponents if abs(e - round(e)) < 1e-6]
    far = any(d not in _PLAIN_DECADES for d in decades) or any(
        not 10.0 ** _PLAIN_DECADES[0] <= v < 10.0 ** (_PLAIN_DECADES[-1] + 1) for v in values)
    if far:
        return [_power_label(value) for value in values]
    texts = [_significant_number(value) for value in values]
    if all(_is_whole_mantissa(value) for value in values):
        return texts  # 0.02, 0.05, 0.1, 0.2: decades and their multiples read best bare
    places = max((len(text.partition(".")[2]) for text in texts), default=0)
    steps = [b - a for a, b in itertools.pairwise(sorted(values)) if b > a]
    if steps:  # as many decimals as neighbours need to differ
        places = max(places, math.ceil(-math.log10(min(steps)) - 1e-9))
    return [f"{value:,.{places}f}" for value in values]  # 0.70, 0.72: one step, one format


def _is_whole_mantissa(value: float) -> bool:
    mantissa = value / 10.0 ** math.floor(math.log10(value) + 1e-9)
    return abs(mantissa - round(mantissa)) < 1e-6


def _plain_number(value: float, places: int) -> str:
    text = f"{value:,.{places}f}"
    return text.lstrip("-") if text.lstrip("-").strip("0.,") == "" else text  # no "-0.0"


def _significant_number(value: float) -> str:
    """A positive value with at most three significant digits and no trailing zeros."""
    digits = max(0, 2 - math.floor(math.log10(value)))
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"


def _power_label(value: float) -> str:
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = value / 10.0 ** exponent
    power = f"10{str(exponent).translate(_SUPERSCRIPT)}"
    return power if abs(mantissa - 1) < 1e-6 else f"{mantissa:.2g}·{power}"


def _power_of_ten_label(value: float, exponent: int, spacing: float) -> str:
    """``value`` as m·10ⁿ with the axis's one exponent and the decimals its spacing needs."""
    if value == 0:
        return "0"
    step = spacing / 10.0 ** exponent
    places = next((p for p in range(7) if abs(round(step, p) - step) < 1e-9 * max(step, 1)), 6)
    return f"{value / 10.0 ** exponent:.{places}f}·10{str(exponent).translate(_SUPERSCRIPT)}"


def _finer_nice_intervals(interval: float) -> list[float]:
    """The next two nice intervals below ``interval`` (20,000 → 10,000, 5,000)."""
    exponent = math.floor(math.log10(interval) + 1e-9)
    candidates = [m * 10.0 ** e for e in (exponent - 1, exponent) for m in _NICE_MULTIPLES]
    return sorted({c for c in candidates if c < interval * (1 - 1e-9)}, reverse=True)[:2]


def _minor_interval(major: float, span: float, size: float) -> float | None:
    for divisions in (5, 2):
        if major / divisions / span * size >= _MIN_MINOR_TICK_PX:
            return major / divisions
    return None


def _mantissa_ticks(low: float, high: float, mantissas: Iterable[int]) -> list[float]:
    ticks = []
    for decade in range(math.floor(low), math.ceil(high) + 1):
        for mantissa in mantissas:
            exponent = decade + math.log10(mantissa)
            if low - 1e-9 <= exponent <= high + 1e-9:
                ticks.append(exponent)
    return ticks


def _linear_ticks_in_log(low: float, high: float) -> list[float]:
    """A narrow log axis (less than a factor of two) ticked at nice linear values."""
    first, last = 10.0 ** low, 10.0 ** high
    step = 10.0 ** math.floor(math.log10(last - first))
    for multiple in (0.1, 0.2, 0.5, 1.0):
        interval = multiple * step
        values = np.arange(math.ceil(first / interval) * interval, last + interval / 2, interval)
        if 2 <= len(values) <= 6:
            return [math.log10(v) for v in values if v > 0]
    return [low, high]


def _log_minor_ticks(low: float, high: float, px_per_decade: float,
                     labelled: set[float]) -> list[float]:
    """The unlabelled decades, and 2…9 × each decade when they are far enough apart."""
    decades = [float(d) for d in range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)]
    marks = [d for d in decades if d not in labelled] if px_per_decade >= _MIN_MINOR_TICK_PX else []
    closest_gap = math.log10(10 / 9) * px_per_decade
    if closest_gap >= _MIN_MINOR_TICK_PX / 2:
        marks += [t for t in _mantissa_ticks(low, high, range(2, 10))
                  if not any(abs(t - done) < 1e-9 for done in labelled)]
    return sorted(marks)


def drop_touching_labels(text_specs: list, vertical: bool) -> list:
    """Keep each label (in pyqtgraph's order: major ticks first) unless it touches a kept one."""
    kept: list = []
    for spec in text_specs:
        rect: QtCore.QRectF = spec[0]
        padded = rect.adjusted(0, -_LABEL_GAP_PX / 2, 0, _LABEL_GAP_PX / 2) if vertical else \
            rect.adjusted(-_LABEL_GAP_PX / 2, 0, _LABEL_GAP_PX / 2, 0)
        if not any(padded.intersects(other[0]) for other in kept):
            kept.append(spec)
    return kept


# --- putting plain axes on plots ---------------------------------------------------------

class PlainPlotItem(pg.PlotItem):
    """A plot whose title, set again unchanged, leaves the plot as it is.

    pyqtgraph sets the title's text, sizes and row height at every call, and a new text
    size lays the plot out again; panels title their plots at every draw."""

    def setTitle(self, title: str | None = None, **args: Any) -> None:
        label = self.titleLabel
        if (title is not None and label.isVisibleTo(self) and label.text == title
                and all(label.opts.get(key) == value for key, value in args.items())):
            return
        super().setTitle(title, **args)


_WIDGET_OPTIONS = ("parent", "background")


def plain_plot(**options: Any) -> pg.PlotWidget:
    """A ``pg.PlotWidget`` made with plain axes (left and bottom shown, as pyqtgraph's)."""
    widget_options = {key: options.pop(key) for key in _WIDGET_OPTIONS if key in options}
    item = PlainPlotItem(axisItems=_plain_axis_items(), **options)
    widget = pg.PlotWidget(plotItem=item, **widget_options)
    _show_left_and_bottom(item)
    return widget


def add_plain_plot(layout: pg.GraphicsLayoutWidget | pg.GraphicsLayout,
                   **options: Any) -> pg.PlotItem:
    """``layout.addPlot(**options)`` with plain axes (left and bottom shown)."""
    place = {key: options.pop(key) for key in ("row", "col", "rowspan", "colspan")
             if key in options}
    item = PlainPlotItem(axisItems=_plain_axis_items(), **options)
    layout.addItem(item, **place)
    _show_left_and_bottom(item)
    return item


def _plain_axis_items() -> dict[str, PlainAxisItem]:
    """Plain axes on every side, given to a plot as it is made: :func:`plain_axes` would build
    pyqtgraph's default axes first and replace them (~2 ms a plot at start-up)."""
    return {side: PlainAxisItem(side) for side in ("left", "bottom", "right", "top")}


def _show_left_and_bottom(item: pg.PlotItem) -> None:
    """pyqtgraph shows every axis it was given; its own default shows left and bottom."""
    for side in ("top", "right"):
        item.hideAxis(side)


def plain_axes(*plots: pg.PlotItem | pg.PlotWidget) -> None:
    """Give each plot a :class:`PlainAxisItem` on every side, keeping what was set so far.

    Call it right after creating a plot; it also works later, carrying labels, pens, log
    mode, explicit ticks and a link to another view box over to the new axes.
    """
    for plot in plots:
        item = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
        old_axes = {side: item.getAxis(side) for side in ("left", "bottom", "right", "top")}
        if all(isinstance(axis, PlainAxisItem) for axis in old_axes.values()):
            continue
        shown = {side: axis.isVisible() for side, axis in old_axes.items()}
        linked = {side: axis.linkedView() for side, axis in old_axes.items()}
        new_axes = {side: PlainAxisItem(side) for side in old_axes}
        for side, axis in new_axes.items():
            _carry_over(old_axes[side], axis)
        item.setAxisItems(new_axes)
        for side, axis in new_axes.items():
            item.showAxis(side, shown[side])
            if linked[side] is not None and linked[side] is not item.vb:
                axis.linkToView(linked[side])


def _carry_over(old: pg.AxisItem, new: PlainAxisItem) -> None:
    """What panels set on an axis: style, pens, label, log mode, explicit ticks, grid."""
    for key, value in old.style.items():
        if key not in ("maxTextLevel", "maxTickLevel"):
            new.style[key] = value
    new.setPen(old.pen())
    new.setTextPen(old.textPen())
    if old._tickPen is not None:
        new.setTickPen(old._tickPen)
    new.labelStyle = dict(old.labelStyle)
    new.setLabel(old.labelText or None, old.labelUnits or None)
    new.showLabel(old.label.isVisible())
    new.logMode = old.logMode
    new.setGrid(old.grid)
    new.setScale(old.scale)
    if old._tickLevels is not None:
        new.setTicks(old._tickLevels)
    if old._tickSpacing is not None:
        new.setTickSpacing(levels=old._tickSpacing)
    new.fixedWidth, new.fixedHeight = old.fixedWidth, old.fixedHeight


# --- an empty plot says so -----------------------------------------------------------------

class EmptyState:
    """A sentence centred in a plot while it has nothing to show, over a neutral 0…1 view.

    Without data pyqtgraph shows whatever range it last had (−400…400 at step 0); a figure
    exported then would show nonsense numbers. While shown, the plot's tick values are hidden
    and its range is fixed; :meth:`hide` gives back the ticks and the ranging it had before
    (auto-ranging, or the fixed range a panel had set).
    """

    def __init__(self, plot: pg.PlotItem | pg.PlotWidget, message: str = NO_DATA_YET) -> None:
        self.plot = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
        self.text = pg.TextItem(message, color=(110, 110, 110), anchor=(0.5, 0.5))
        self.text.setZValue(50)
        self.plot.addItem(self.text, ignoreBounds=True)
        self.plot.vb.sigRangeChanged.connect(self._centre)
        self.visible = False
        self._saved: tuple[list, list] = ([True, True], [[0, 1], [0, 1]])
        self._saved_ticks: dict[str, tuple[list | None, bool]] = {}
        self.text.setVisible(False)

    @property
    def message(self) -> str:
        return self.text.toPlainText()

    def show(self, message: str | None = None) -> None:
        """Show the sentence (optionally a new one) and put the view on a neutral range."""
        if message is not None:
            self.text.setText(message)
        if not self.visible:
            self.visible = True
            self._saved = (list(self.plot.vb.state["autoRange"]), self.plot.vb.viewRange())
            self.text.setVisible(True)
            self._show_tick_values(False)
        self.plot.vb.disableAutoRange()
        self.plot.vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._centre()

    def hide(self) -> None:
        """Data arrived: drop the sentence and give the view back the ranging it had."""
        if not self.visible:
            return
        self.visible = False
        self.text.setVisible(False)
        self._show_tick_values(True)
        auto_flags, ranges = self._saved
        for axis, (auto, span) in enumerate(zip(auto_flags, ranges, strict=True)):
            if auto:
                self.plot.vb.enableAutoRange(axis=axis, enable=auto)
            elif axis == pg.ViewBox.XAxis:
                self.plot.vb.setXRange(*span, padding=0)
            else:
                self.plot.vb.setYRange(*span, padding=0)

    def set_empty(self, empty: bool, message: str | None = None) -> None:
        """:meth:`show` when ``empty``, else :meth:`hide`."""
        if empty:
            self.show(message)
        else:
            self.hide()

    def _centre(self, *_args) -> None:
        (x_low, x_high), (y_low, y_high) = self.plot.vb.viewRange()
        self.text.setPos((x_low + x_high) / 2, (y_low + y_high) / 2)

    def _show_tick_values(self, show: bool) -> None:
        """Ticks off while empty, without changing the axes' size: a plot that jumped when its
        first data came would leave labels where the old size put them until the next frame."""
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            if show:
                ticks, reduce = self._saved_ticks.pop(side, (None, True))
                axis.setStyle(autoReduceTextSpace=reduce)
                axis.setTicks(ticks)
            else:
                self._saved_ticks[side] = (axis._tickLevels, axis.style["autoReduceTextSpace"])
                axis.setStyle(autoReduceTextSpace=False)
                axis.setTicks([[], []])
