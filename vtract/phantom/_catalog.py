"""The demo sets: which sessions the ``demo`` and ``demo-quick`` datasets contain, and their manifests.

The session list is fixed here (independent of the seed), so ``data_manifests/demo.yaml`` and
``data_manifests/demo_quick.yaml`` can be committed and checked against :func:`manifest_dict` by a test.

Imaging protocols
-----------------
=========  ==============  =========  ==============================================
matrix     pixel (mm)      fps        modelled on
=========  ==============  =========  ==============================================
68 x 68    2.9             23.18      USC-TIMIT (2011)
84 x 84    2.4             83.28      USC 75-speaker (2015-2017), most sessions
128 x 128  1.6             50.0       higher-resolution radial FLASH
=========  ==============  =========  ==============================================
"""

from __future__ import annotations

from ._session import SESSION_FILES, SessionSpec

__all__ = ["DEMO_VERSION", "DATASETS", "session_specs", "manifest_dict", "manifest_yaml"]

#: Bump when the phantom changes in a way that changes files (cache folders are versioned).
DEMO_VERSION = 11

#: dataset name -> variant
DATASETS = {"demo": "full", "demo-quick": "quick"}

_PROTO = {68: (2.9, 23.18), 84: (2.4, 83.28), 128: (1.6, 50.0)}


def _spec(sid: str, style: str, matrix: int, dur: float, offset: float, known: bool, **kw) -> SessionSpec:
    sp, fps = _PROTO[matrix]
    subject = sid.split("_")[0]
    return SessionSpec(session_id=sid, subject=subject, style=style, matrix=matrix, spacing_mm=sp,
                       fps=fps, duration_s=dur, audio_offset_s=offset, offset_in_manifest=known, **kw)


def session_specs(variant: str = "full", seed: int = 0) -> list[SessionSpec]:
    """Return the sessions of a demo variant.

    Parameters
    ----------
    variant : {"full", "quick"}
        Which set.
    seed : int
        Base seed (each session derives its own from it and its id).

    Returns
    -------
    list of SessionSpec
    """
    from dataclasses import replace

    from ..errors import DataValueError

    if variant == "quick":
        specs = [
            _spec("sub01_classical_01", "classical", 84, 2.0, 0.35, True, snr=16.2),
            _spec("sub02_belting_01", "belting", 84, 2.0, -0.15, False, snr=13.5, head_motion=True),
            _spec("sub03_trumpet_01", "trumpet", 68, 2.5, 0.20, True, snr=14.9),
            _spec("sub02_flute_01", "flute", 84, 2.0, 0.10, False, snr=14.9, streaks=0.2),
            _spec("sub01_pop_01", "pop", 84, 2.0, 0.05, True, snr=12.2),
        ]
    elif variant == "full":
        specs = [
            # classical singers
            _spec("sub01_classical_01", "classical", 84, 3.5, 0.35, True, snr=16.2),
            _spec("sub01_classical_02", "classical", 68, 6.0, -0.20, False, snr=13.5),
            _spec("sub02_classical_01", "classical", 84, 3.5, 0.12, True, snr=14.9, head_motion=True),
            _spec("sub02_classical_02", "classical", 128, 3.0, 0.50, False, snr=12.2, streaks=0.2),
            _spec("sub04_classical_01", "classical", 84, 3.5, -0.08, True, snr=13.5),
            # belting
            _spec("sub01_belting_01", "belting", 84, 3.5, 0.22, True, snr=14.9),
            _spec("sub02_belting_01", "belting", 84, 3.5, -0.15, False, snr=13.5, head_motion=True),
            _spec("sub02_belting_02", "belting", 68, 6.0, 0.40, True, snr=16.2),
            _spec("sub04_belting_01", "belting", 84, 3.5, 0.05, False, snr=12.2, streaks=0.25),
            # pop
            _spec("sub01_pop_01", "pop", 84, 3.5, 0.05, True, snr=12.2),
            _spec("sub03_pop_01", "pop", 128, 3.0, -0.30, False, snr=13.5),
            _spec("sub04_pop_01", "pop", 84, 3.5, 0.18, True, snr=14.9, head_motion=True),
            # trumpet
            _spec("sub01_trumpet_01", "trumpet", 84, 3.5, 0.30, True, snr=14.9),
            _spec("sub03_trumpet_01", "trumpet", 68, 6.0, 0.20, True, snr=14.9),
            _spec("sub03_trumpet_02", "trumpet", 84, 3.5, -0.25, False, snr=13.5, streaks=0.2),
            # clarinet
            _spec("sub03_clarinet_01", "clarinet", 84, 3.5, 0.15, True, snr=13.5, head_motion=True),
            _spec("sub04_clarinet_01", "clarinet", 128, 3.0, 0.45, False, snr=16.2),
            # flute
            _spec("sub02_flute_01", "flute", 84, 3.5, 0.10, False, snr=14.9, streaks=0.2),
            _spec("sub02_flute_02", "flute", 84, 3.5, -0.05, True, snr=12.2),
            _spec("sub04_flute_01", "flute", 84, 3.5, 0.28, True, snr=16.2),
        ]
    else:
        raise DataValueError(f"unknown demo variant {variant!r}; expected 'full' or 'quick'")
    return [replace(s, seed=seed) for s in specs]


def manifest_dict(variant: str = "full", *, root: str | None = None) -> dict:
    """Return the manifest (a plain dict, ready for YAML) of a demo variant.

    Parameters
    ----------
    variant : {"full", "quick"}
        Which set.
    root : str, optional
        Manifest root; defaults to ``"dataset:demo"`` / ``"dataset:demo-quick"``.

    Returns
    -------
    dict
        Manifest mapping (schema of :mod:`vtract.manifest`).
    """
    name = "demo" if variant == "full" else "demo-quick"
    sessions = []
    for s in session_specs(variant):
        gt = {k: f"{s.session_id}/{v}" for k, v in SESSION_FILES.items()
              if k not in ("sequence", "audio")}
        sessions.append({
            "id": s.session_id,
            "subject": s.subject,
            "group": s.group,
            "task": "singing" if s.kind == "singing" else f"{s.style} playing",
            "sequence": f"{s.session_id}/{SESSION_FILES['sequence']}",
            "audio": f"{s.session_id}/{SESSION_FILES['audio']}",
            "audio_offset_s": s.audio_offset_s if s.offset_in_manifest else None,
            "fps": s.fps,
            "pixel_spacing_mm": [s.spacing_mm, s.spacing_mm],
            "labels": {"true_audio_offset_s": s.audio_offset_s, "matrix": s.matrix, "snr": s.snr,
                       "phantom": True},
            "ground_truth": gt,
        })
    return {
        "study": name,
        "version": 1,
        "description": (f"vtract synthetic rtMRI + audio phantom ({variant} variant, version "
                        f"{DEMO_VERSION}); built by `vtract make-demo`"
                        + (" --quick" if variant == "quick" else "") + "."),
        "root": root if root is not None else f"dataset:{name}",
        "defaults": {"audio_channel": 0},
        "sessions": sessions,
    }


def manifest_yaml(variant: str = "full") -> str:
    """Return the YAML text of ``data_manifests/demo.yaml`` (``full``) or ``demo_quick.yaml`` (``quick``).

    Regenerate the committed files after changing the catalog::

        python -c "from vtract.phantom import manifest_yaml; print(manifest_yaml('full'), end='')" \
            > data_manifests/demo.yaml
    """
    import yaml

    flag = " --quick" if variant == "quick" else ""
    head = (f"# Generated by vtract.phantom.manifest_yaml({variant!r}); tests/test_datasets.py checks it.\n"
            f"# The files are built by `vtract make-demo DIR{flag}`, or by vtract.datasets on first use.\n")
    return head + yaml.safe_dump(manifest_dict(variant), sort_keys=False)
