"""Praat TextGrid interop: read/write interval and point tiers, select time ranges, export events.

Files are read by Praat itself (Parselmouth), so every format Praat reads works: the long ("text")
and short text formats, UTF-8 or UTF-16, and binary TextGrids. They are written by praatio (a
well-kept TextGrid library) in the long or short text format. In between, tiers are plain,
picklable Python objects (:class:`TextGrid`, :class:`IntervalTier`, :class:`PointTier`) that work
in worker processes and with pandas without a Praat object per file.

TextGrids annotated on a recording are on the AUDIO clock; :meth:`TextGrid.to_image_clock` and
:meth:`TextGrid.to_audio_clock` convert them with a session's :class:`~vtract.clock.Clock` (offset
and drift).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import FileFormatError

__all__ = ["Interval", "Point", "IntervalTier", "PointTier", "TextGrid", "read_textgrid",
           "write_textgrid", "notes_to_tier", "events_to_tier"]


@dataclass(frozen=True)
class Interval:
    """An interval ``[xmin, xmax)`` in s with a label."""

    xmin: float
    xmax: float
    text: str = ""


@dataclass(frozen=True)
class Point:
    """A time point in s with a label."""

    time: float
    mark: str = ""


@dataclass
class IntervalTier:
    """A tier of contiguous intervals (gaps are filled with empty intervals when written)."""

    name: str
    xmin: float
    xmax: float
    intervals: list[Interval] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Intervals as a DataFrame (``start_s``, ``end_s``, ``text``).

        Returns
        -------
        DataFrame
            One row per interval; times in s.
        """
        return pd.DataFrame({"start_s": [i.xmin for i in self.intervals],
                             "end_s": [i.xmax for i in self.intervals],
                             "text": [i.text for i in self.intervals]})

    def filled(self) -> list[Interval]:
        """Intervals covering ``[xmin, xmax]`` without gaps (empty labels in the gaps).

        Returns
        -------
        list of Interval
            Sorted, contiguous intervals (times in s).
        """
        out: list[Interval] = []
        t = self.xmin
        for iv in sorted(self.intervals, key=lambda i: i.xmin):
            if iv.xmin > t + 1e-12:
                out.append(Interval(t, iv.xmin, ""))
            out.append(iv)
            t = iv.xmax
        if t < self.xmax - 1e-12:
            out.append(Interval(t, self.xmax, ""))
        return out


@dataclass
class PointTier:
    """A tier of labelled time points (Praat "TextTier")."""

    name: str
    xmin: float
    xmax: float
    points: list[Point] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Points as a DataFrame (``time_s``, ``mark``).

        Returns
        -------
        DataFrame
            One row per point; ``time_s`` in s.
        """
        return pd.DataFrame({"time_s": [p.time for p in self.points],
                             "mark": [p.mark for p in self.points]})


@dataclass
class TextGrid:
    """A Praat TextGrid: a time domain and named tiers."""

    xmin: float
    xmax: float
    tiers: list[IntervalTier | PointTier] = field(default_factory=list)

    def __getitem__(self, name: str) -> IntervalTier | PointTier:
        for t in self.tiers:
            if t.name == name:
                return t
        raise KeyError(f"no tier {name!r}; tiers: {[t.name for t in self.tiers]}")

    def retimed(self, convert) -> TextGrid:
        """Return a copy with every time passed through ``convert`` (a monotonic function of s).

        Parameters
        ----------
        convert : callable
            Maps an array of times (s) to times (s) on another clock.

        Returns
        -------
        TextGrid
            Same tiers and labels, new times.
        """
        def c(t: float) -> float:
            return float(convert(np.asarray([t], float))[0])

        tiers: list[IntervalTier | PointTier] = []
        for t in self.tiers:
            if isinstance(t, IntervalTier):
                tiers.append(IntervalTier(t.name, c(t.xmin), c(t.xmax),
                                          [Interval(c(i.xmin), c(i.xmax), i.text) for i in t.intervals]))
            else:
                tiers.append(PointTier(t.name, c(t.xmin), c(t.xmax),
                                       [Point(c(p.time), p.mark) for p in t.points]))
        return TextGrid(c(self.xmin), c(self.xmax), tiers)

    def to_image_clock(self, clock) -> TextGrid:
        """Return the annotations made on the audio, moved to the image clock.

        Parameters
        ----------
        clock : Clock
            The session's :class:`~vtract.clock.Clock` (e.g. ``session.clock``: offset and drift).

        Returns
        -------
        TextGrid
            Times in s on the image clock (comparable with ``Sequence.times``).
        """
        return self.retimed(clock.audio_to_frame_time)

    def to_audio_clock(self, clock) -> TextGrid:
        """Return image-clock annotations moved to the audio clock (for Praat with the WAV).

        Parameters
        ----------
        clock : Clock
            The session's :class:`~vtract.clock.Clock`.

        Returns
        -------
        TextGrid
            Times in s from the first audio sample.
        """
        return self.retimed(clock.frame_to_audio_time)

    def select(self, table: pd.DataFrame, tier: str, *, label: str | None = None,
               pattern: str | None = None, time_column: str = "time_s",
               nonempty: bool = True) -> pd.DataFrame:
        """Rows of ``table`` whose time falls in intervals of ``tier`` (labelled ones).

        Parameters
        ----------
        table : DataFrame
            A table with a time column (s; e.g. acoustic features on the audio clock).
        tier : str
            Name of an interval tier.
        label : str, optional
            Keep only intervals with exactly this label.
        pattern : str, optional
            Keep only intervals whose label matches this regular expression.
        time_column : str
            The time column of ``table``.
        nonempty : bool
            Skip intervals with an empty label.

        Returns
        -------
        DataFrame
            The selected rows with an extra column named after the tier holding the label.
        """
        tr = self[tier]
        if not isinstance(tr, IntervalTier):
            raise FileFormatError(f"tier {tier!r} is a point tier; select needs intervals")
        t = table[time_column].to_numpy(float)
        lab = np.full(t.size, None, dtype=object)
        for iv in tr.intervals:
            if nonempty and not iv.text.strip():
                continue
            if label is not None and iv.text != label:
                continue
            if pattern is not None and not re.search(pattern, iv.text):
                continue
            lab[(t >= iv.xmin) & (t < iv.xmax)] = iv.text
        keep = np.array([v is not None for v in lab], bool)
        out = table.loc[keep].copy()
        out[tier] = lab[keep]
        return out


def read_textgrid(path: str | Path) -> TextGrid:
    """Read a Praat TextGrid with Praat's own reader (Parselmouth).

    Parameters
    ----------
    path : path
        The ``.TextGrid`` file: long or short text format (UTF-8 or UTF-16) or binary.

    Returns
    -------
    TextGrid
        Times in s, on the clock the file was annotated on.

    Raises
    ------
    FileFormatError
        When the file is missing, unreadable, or not a TextGrid.
    """
    import parselmouth
    from parselmouth.praat import call

    path = Path(path)
    if not path.exists():
        raise FileFormatError(f"{path}: no such file")
    try:
        obj = parselmouth.read(str(path))
    except parselmouth.PraatError as exc:
        msg = " ".join(str(exc).split())
        raise FileFormatError(f"{path}: Praat cannot read it as a TextGrid ({msg})") from exc
    if not isinstance(obj, parselmouth.TextGrid):
        raise FileFormatError(f"{path}: not a TextGrid (Praat reads a {type(obj).__name__})")
    tg = TextGrid(float(obj.xmin), float(obj.xmax))
    for k in range(1, int(call(obj, "Get number of tiers")) + 1):
        name = call(obj, "Get tier name", k)
        if call(obj, "Is interval tier", k):
            tier: IntervalTier | PointTier = IntervalTier(name, tg.xmin, tg.xmax, [
                Interval(float(call(obj, "Get start time of interval", k, i)),
                         float(call(obj, "Get end time of interval", k, i)),
                         call(obj, "Get label of interval", k, i))
                for i in range(1, int(call(obj, "Get number of intervals", k)) + 1)])
        else:
            tier = PointTier(name, tg.xmin, tg.xmax, [
                Point(float(call(obj, "Get time of point", k, i)),
                      call(obj, "Get label of point", k, i))
                for i in range(1, int(call(obj, "Get number of points", k)) + 1)])
        tg.tiers.append(tier)
    return tg


def write_textgrid(tg: TextGrid, path: str | Path, *, short: bool = False) -> Path:
    """Write a TextGrid in Praat's long ("text") or short text format (UTF-8), with praatio.

    Parameters
    ----------
    tg : TextGrid
        The grid (times in s); interval tiers are written gap-free (empty intervals in the gaps).
    path : path
        Output file, written atomically.
    short : bool
        Short text format instead of the long one.

    Returns
    -------
    Path
        ``path``.
    """
    from praatio import textgrid as ptg

    from ._atomic import atomic_path

    out = ptg.Textgrid(tg.xmin, tg.xmax)
    for t in tg.tiers:
        if isinstance(t, IntervalTier):
            tier = ptg.IntervalTier(t.name, [(iv.xmin, iv.xmax, iv.text) for iv in t.intervals
                                             if iv.text], t.xmin, t.xmax)
        else:
            tier = ptg.PointTier(t.name, [(pt.time, pt.mark) for pt in t.points], t.xmin, t.xmax)
        out.addTier(tier, reportingMode="error")
    path = Path(path)
    with atomic_path(path) as tmp:
        out.save(str(tmp), format="short_textgrid" if short else "long_textgrid",
                 includeBlankSpaces=True, reportingMode="error")
    return path


def notes_to_tier(notes: pd.DataFrame, *, name: str = "notes", xmin: float = 0.0,
                  xmax: float | None = None) -> IntervalTier:
    """Interval tier from :func:`vtract.acoustics.segment_notes` (label: note name).

    Parameters
    ----------
    notes : DataFrame
        ``onset_s``, ``offset_s`` (s) and ``note_name``.
    name : str
        Tier name.
    xmin, xmax : float
        Tier domain (s); ``xmax`` defaults to the last offset.

    Returns
    -------
    IntervalTier
        One interval per note (overlaps trimmed).
    """
    end = float(notes["offset_s"].max()) if xmax is None and len(notes) else (xmax or 0.0)
    tier = IntervalTier(name, xmin, max(end, xmin))
    last = xmin
    for _, r in notes.sort_values("onset_s").iterrows():
        a, b = max(float(r["onset_s"]), last), float(r["offset_s"])
        if b > a:
            tier.intervals.append(Interval(a, b, str(r.get("note_name", ""))))
            last = b
    return tier


def events_to_tier(events: pd.DataFrame, *, name: str = "events", label_column: str = "kind",
                   xmin: float = 0.0, xmax: float | None = None) -> PointTier:
    """Point tier from an event table (``time_s`` plus a label column, e.g. wind events).

    Parameters
    ----------
    events : DataFrame
        ``time_s`` (s) and ``label_column``.
    name : str
        Tier name.
    label_column : str
        Column holding each point's mark.
    xmin, xmax : float
        Tier domain (s); ``xmax`` defaults to the last event.

    Returns
    -------
    PointTier
        One point per event, in time order.
    """
    end = float(events["time_s"].max()) if xmax is None and len(events) else (xmax or 0.0)
    return PointTier(name, xmin, max(end, xmin),
                     [Point(float(r["time_s"]), str(r[label_column]))
                      for _, r in events.sort_values("time_s").iterrows()])
