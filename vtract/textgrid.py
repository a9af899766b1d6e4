"""Praat TextGrid interop: read/write interval and point tiers, select time ranges, export events.

A small pure-Python reader/writer rather than Praat objects through ``parselmouth.praat.call``:
tiers come back as plain, picklable Python objects that work in worker processes and in pandas
without a Praat object per file, and writing needs no Praat round trip. The reader follows Praat's
own text-file convention (a stream of numbers, quoted strings and ``<exists>`` flags; labels such
as ``xmin =`` and indices ``[1]`` are skipped), so the long ("text") and short formats and UTF-8
or UTF-16 files are all read; the tests check the files against Praat (Parselmouth) itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._atomic import atomic_write_text
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
        """Intervals as a DataFrame (``start_s``, ``end_s``, ``text``)."""
        return pd.DataFrame({"start_s": [i.xmin for i in self.intervals],
                             "end_s": [i.xmax for i in self.intervals],
                             "text": [i.text for i in self.intervals]})

    def filled(self) -> list[Interval]:
        """Intervals covering ``[xmin, xmax]`` without gaps (empty labels in the gaps)."""
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
        """Points as a DataFrame (``time_s``, ``mark``)."""
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


_TOKEN = re.compile(r'"((?:[^"]|"")*)"|(<exists>|<absent>)|\[\s*\d+\s*\]|'
                    r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def _tokens(text: str) -> list[str | float]:
    out: list[str | float] = []
    for m in _TOKEN.finditer(text):
        if m.group(1) is not None:
            out.append(m.group(1).replace('""', '"'))
        elif m.group(2) is not None:
            out.append(m.group(2))
        elif m.group(3) is not None:
            out.append(float(m.group(3)))
    return out


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_textgrid(path: str | Path) -> TextGrid:
    """Read a Praat TextGrid (long or short text format; UTF-8 or UTF-16).

    Parameters
    ----------
    path : path
        The ``.TextGrid`` file.

    Returns
    -------
    TextGrid
    """
    path = Path(path)
    if not path.exists():
        raise FileFormatError(f"{path}: no such file")
    tok = _tokens(_decode(path.read_bytes()))
    try:
        if tok[:2] != ["ooTextFile", "TextGrid"]:
            raise FileFormatError(f"{path}: not a Praat text TextGrid (header {tok[:2]})")
        pos = 2
        xmin, xmax = float(tok[pos]), float(tok[pos + 1])
        pos += 2
        tg = TextGrid(xmin, xmax)
        if tok[pos] == "<absent>":
            return tg
        pos += 1
        n = int(tok[pos])
        pos += 1
        for _ in range(n):
            cls, name = str(tok[pos]), str(tok[pos + 1])
            a, b, m = float(tok[pos + 2]), float(tok[pos + 3]), int(tok[pos + 4])
            pos += 5
            if cls == "IntervalTier":
                tier = IntervalTier(name, a, b)
                for _ in range(m):
                    tier.intervals.append(Interval(float(tok[pos]), float(tok[pos + 1]),
                                                   str(tok[pos + 2])))
                    pos += 3
            elif cls == "TextTier":
                tier = PointTier(name, a, b)
                for _ in range(m):
                    tier.points.append(Point(float(tok[pos]), str(tok[pos + 1])))
                    pos += 2
            else:
                raise FileFormatError(f"{path}: unknown tier class {cls!r}")
            tg.tiers.append(tier)
    except (IndexError, ValueError, TypeError) as exc:
        raise FileFormatError(f"{path}: truncated or malformed TextGrid ({exc})") from exc
    return tg


def _q(s: str) -> str:
    return '"' + str(s).replace('"', '""') + '"'


def write_textgrid(tg: TextGrid, path: str | Path, *, short: bool = False) -> Path:
    """Write a TextGrid in Praat's long ("text") or short text format (UTF-8).

    Parameters
    ----------
    tg : TextGrid
        The grid; interval tiers are written gap-free.
    path : path
        Output file.
    short : bool
        Short text format instead of the long one.

    Returns
    -------
    Path
    """
    g = "{:.10g}".format
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', ""]
    if short:
        lines += [g(tg.xmin), g(tg.xmax), "<exists>", str(len(tg.tiers))]
        for t in tg.tiers:
            if isinstance(t, IntervalTier):
                ivs = t.filled()
                lines += ['"IntervalTier"', _q(t.name), g(t.xmin), g(t.xmax), str(len(ivs))]
                for iv in ivs:
                    lines += [g(iv.xmin), g(iv.xmax), _q(iv.text)]
            else:
                lines += ['"TextTier"', _q(t.name), g(t.xmin), g(t.xmax), str(len(t.points))]
                for p in t.points:
                    lines += [g(p.time), _q(p.mark)]
    else:
        lines += [f"xmin = {g(tg.xmin)} ", f"xmax = {g(tg.xmax)} ", "tiers? <exists> ",
                  f"size = {len(tg.tiers)} ", "item []: "]
        for k, t in enumerate(tg.tiers, 1):
            lines.append(f"    item [{k}]:")
            if isinstance(t, IntervalTier):
                ivs = t.filled()
                lines += ['        class = "IntervalTier" ', f"        name = {_q(t.name)} ",
                          f"        xmin = {g(t.xmin)} ", f"        xmax = {g(t.xmax)} ",
                          f"        intervals: size = {len(ivs)} "]
                for j, iv in enumerate(ivs, 1):
                    lines += [f"        intervals [{j}]:", f"            xmin = {g(iv.xmin)} ",
                              f"            xmax = {g(iv.xmax)} ",
                              f"            text = {_q(iv.text)} "]
            else:
                lines += ['        class = "TextTier" ', f"        name = {_q(t.name)} ",
                          f"        xmin = {g(t.xmin)} ", f"        xmax = {g(t.xmax)} ",
                          f"        points: size = {len(t.points)} "]
                for j, p in enumerate(t.points, 1):
                    lines += [f"        points [{j}]:", f"            number = {g(p.time)} ",
                              f"            mark = {_q(p.mark)} "]
    path = Path(path)
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def notes_to_tier(notes: pd.DataFrame, *, name: str = "notes", xmin: float = 0.0,
                  xmax: float | None = None) -> IntervalTier:
    """Interval tier from :func:`vtract.acoustics.segment_notes` (label: note name)."""
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
    """Point tier from an event table (``time_s`` plus a label column, e.g. wind events)."""
    end = float(events["time_s"].max()) if xmax is None and len(events) else (xmax or 0.0)
    return PointTier(name, xmin, max(end, xmin),
                     [Point(float(r["time_s"]), str(r[label_column]))
                      for _, r in events.sort_values("time_s").iterrows()])
