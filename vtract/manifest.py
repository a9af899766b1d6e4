"""Study manifests: YAML files that describe sessions, validated with pydantic.

See ``data_manifests/README.md`` for the schema. Example::

    study: my_study
    root: scans            # folder the session paths are relative to (relative to this file),
                           # or "dataset:demo" for vtract's built-in demo set
    defaults:
      pixel_spacing_mm: [2.9, 2.9]
    sessions:
      - id: s01_classical_1
        subject: s01
        group: {style: classical}
        task: sustained vowels
        sequence: s01/run1.nii.gz
        audio: s01/run1.wav
        audio_offset_s: 0.125
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ManifestError

__all__ = ["Manifest", "SessionEntry", "load_manifest", "load_session", "session_from_entry"]


def _as_spacing(v: Any) -> Any:
    """Accept one number for square pixels."""
    if isinstance(v, int | float):
        return (float(v), float(v))
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Strict):
    """Values applied to every session that does not set them."""

    fps: float | None = Field(None, gt=0)
    pixel_spacing_mm: tuple[float, float] | None = None
    audio_channel: int | str | None = None
    group: dict[str, str] = Field(default_factory=dict)
    task: str | None = None

    _spacing = field_validator("pixel_spacing_mm", mode="before")(staticmethod(_as_spacing))


class SessionEntry(_Strict):
    """One scan session.

    Attributes
    ----------
    id : str
        Unique session identifier (used as the output folder name).
    sequence : str
        Path of the image series (NIfTI, DICOM folder, video, array file), relative to the manifest's root.
    audio : str, optional
        Path of the audio recording.
    audio_offset_s : float, optional
        Audio time (s) at which frame 0 starts, when known.
    allow_truncated : bool
        Accept a video holding fewer frames than its header lists (see
        :func:`vtract.read_sequence`); default false: such a file fails the session.
    """

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    subject: str | None = None
    group: dict[str, str] = Field(default_factory=dict)
    task: str | None = None
    sequence: str
    audio: str | None = None
    audio_channel: int | str | None = None
    audio_offset_s: float | None = None
    fps: float | None = Field(None, gt=0)
    pixel_spacing_mm: tuple[float, float] | None = None
    t0_s: float | None = None
    allow_truncated: bool = False
    labels: dict[str, Any] = Field(default_factory=dict)
    ground_truth: dict[str, str] = Field(default_factory=dict)

    _spacing = field_validator("pixel_spacing_mm", mode="before")(staticmethod(_as_spacing))

    @field_validator("group", mode="before")
    @classmethod
    def _group(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): str(val) for k, val in v.items()}
        return v


class Manifest(_Strict):
    """A study: sessions plus shared defaults. Paths resolve against ``root_dir``."""

    study: str = "study"
    version: int = 1
    description: str | None = None
    root: str = "."
    defaults: Defaults = Field(default_factory=Defaults)
    sessions: list[SessionEntry] = Field(min_length=1)
    path: str | None = None  # filled in by load_manifest

    @model_validator(mode="after")
    def _unique_ids(self) -> Manifest:
        seen: set[str] = set()
        for s in self.sessions:
            if s.id in seen:
                raise ValueError(f"duplicate session id {s.id!r}")
            seen.add(s.id)
        return self

    @property
    def dataset(self) -> str | None:
        """Name of the built-in dataset the root names (``root: "dataset:NAME"``), else None."""
        return self.root.split(":", 1)[1] if self.root.startswith("dataset:") else None

    @property
    def root_dir(self) -> Path:
        """The folder session paths are relative to.

        For ``root: "dataset:NAME"`` this is the dataset's cache folder, whether or not it has
        been built: reading it never builds anything (:func:`vtract.datasets.prepare`, which
        :func:`vtract.run_batch` calls, does).
        """
        if self.dataset is not None:
            from ._cache import dataset_dir

            return dataset_dir(self.dataset)
        base = Path(self.path).parent if self.path else Path.cwd()
        return (base / os.path.expanduser(self.root)).resolve()

    def check_dataset(self) -> None:
        """Raise :class:`ManifestError` when the manifest's built-in dataset is not built yet."""
        if self.dataset is None:
            return
        from ._cache import is_built

        if not is_built(self.root_dir):
            raise ManifestError(
                f"{self.path}: root {self.root!r}: the dataset is not built yet (expected in "
                f"{self.root_dir}); build it with vtract.datasets.prepare(manifest), "
                "vtract.datasets.load_demo() or `vtract make-demo`")

    def session(self, session_id: str) -> SessionEntry:
        """Return the entry with this id.

        Parameters
        ----------
        session_id : str
            The session's id.

        Returns
        -------
        SessionEntry
            The manifest entry (raises :class:`ManifestError` naming the ids when absent).
        """
        for s in self.sessions:
            if s.id == session_id:
                return s
        raise ManifestError(f"{self.path}: no session {session_id!r}; have {[s.id for s in self.sessions]}")

    def resolved(self, entry: SessionEntry) -> dict[str, Any]:
        """Entry values with defaults applied and paths made absolute.

        Parameters
        ----------
        entry : SessionEntry
            One of this manifest's sessions.

        Returns
        -------
        dict
            The entry's fields with ``sequence``, ``audio`` and ``ground_truth`` paths absolute,
            ``fps`` (frames/s), ``pixel_spacing_mm`` (mm), ``audio_channel``, ``group`` and ``task``
            defaulted from ``defaults``.
        """
        d = self.defaults
        root = self.root_dir
        out = entry.model_dump()
        out["sequence"] = str(root / entry.sequence)
        out["audio"] = str(root / entry.audio) if entry.audio else None
        out["fps"] = entry.fps if entry.fps is not None else d.fps
        out["pixel_spacing_mm"] = entry.pixel_spacing_mm or d.pixel_spacing_mm
        out["audio_channel"] = entry.audio_channel if entry.audio_channel is not None else d.audio_channel
        out["group"] = {**d.group, **entry.group}
        out["task"] = entry.task or d.task
        out["ground_truth"] = {k: str(root / v) for k, v in entry.ground_truth.items()}
        return out


def _format_validation_error(path: Path, data: Any, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "sessions" and isinstance(loc[1], int):
            sid = None
            try:
                sid = data["sessions"][loc[1]].get("id")
            except Exception:
                pass
            where = f"session {sid!r} (#{loc[1] + 1})" if sid else f"session #{loc[1] + 1}"
            loc = loc[2:]
        key = ".".join(str(x) for x in loc) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown manifest key"
        lines.append(f"{where + ': ' if where else ''}{key}: {msg}")
    return f"{path}: invalid manifest: " + "; ".join(lines)


def load_manifest(path: str | os.PathLike, *, check_files: bool = False) -> Manifest:
    """Load and validate a manifest.

    Parameters
    ----------
    path : path
        The YAML file.
    check_files : bool
        Also check that every referenced file exists.

    Returns
    -------
    Manifest
        The validated study.

    Raises
    ------
    ManifestError
        With a message naming the file, the session and the key.
    """
    path = Path(path)
    if not path.exists():
        raise ManifestError(f"{path}: no such manifest file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: a manifest is a YAML mapping with a 'sessions' list")
    try:
        man = Manifest.model_validate({**data, "path": str(path.resolve())})
    except ValidationError as exc:
        raise ManifestError(_format_validation_error(path, data, exc)) from exc
    if check_files:
        man.check_dataset()
        for entry in man.sessions:
            r = man.resolved(entry)
            for key in ("sequence", "audio"):
                if r[key] and not Path(r[key]).exists():
                    raise ManifestError(f"{path}: session {entry.id!r}: {key}: file not found: {r[key]}")
    return man


def session_from_entry(entry: Mapping[str, Any]):
    """Read the session a resolved manifest entry describes (the one place that builds it).

    Parameters
    ----------
    entry : mapping
        A resolved entry (:meth:`Manifest.resolved`, or the ``entry`` of a batch ``session.json``):
        absolute ``sequence`` / ``audio`` paths, ``fps`` (frames/s), ``pixel_spacing_mm``
        ((row, col) mm), ``t0_s`` (s), ``audio_channel``, ``audio_offset_s`` (s), ``id``,
        ``subject``, ``task``, ``group``, ``labels``, ``ground_truth``.

    Returns
    -------
    Session
        Sequence and audio read from disk, with the entry's metadata and audio offset.
    """
    from .io import read_audio, read_sequence
    from .session import Session

    seq = read_sequence(entry["sequence"], fps=entry.get("fps"),
                        pixel_spacing_mm=entry.get("pixel_spacing_mm"), t0_s=entry.get("t0_s"),
                        allow_truncated=bool(entry.get("allow_truncated")) or None)
    audio = (read_audio(entry["audio"], channel=entry.get("audio_channel"))
             if entry.get("audio") else None)
    return Session(sequence=seq, audio=audio, audio_offset_s=entry.get("audio_offset_s"),
                   session_id=entry["id"], subject=entry.get("subject"), task=entry.get("task"),
                   group=dict(entry.get("group") or {}), labels=dict(entry.get("labels") or {}),
                   ground_truth=dict(entry.get("ground_truth") or {}))


def load_session(manifest: Manifest | str | os.PathLike, session_id: str | None = None, *,
                 entry: SessionEntry | None = None):
    """Read one session of a manifest into a :class:`vtract.Session`.

    Parameters
    ----------
    manifest : Manifest or path
        The study.
    session_id : str, optional
        The session's id.
    entry : SessionEntry, optional
        The entry itself (instead of ``session_id``).

    Returns
    -------
    Session
        Sequence, audio and metadata, with the manifest's audio offset (None when not given).
    """
    man = manifest if isinstance(manifest, Manifest) else load_manifest(manifest)
    if entry is None:
        if session_id is None:
            raise ManifestError("load_session: give session_id or entry")
        entry = man.session(session_id)
    man.check_dataset()
    return session_from_entry(man.resolved(entry))
