"""Phantom sessions: determinism, ground-truth consistency, group differences, noise and realism."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vtract
from vtract import labels as L
from vtract.io import read_audio, read_sequence
from vtract.manifest import load_session
from vtract.phantom import (
    MEASURE_COLUMNS,
    PARAMS,
    SUBJECTS,
    SessionSpec,
    build_geometry,
    build_session,
    simulate_session,
)
from vtract.phantom._audio import area_function
from vtract.phantom._realism import histogram_distance, image_stats
from vtract.tube import formants_from_area

CONTRACT_COLUMNS = ["frame", "time_s", "lip_aperture_mm", "lip_protrusion_mm", "jaw_opening_mm",
                    "tongue_tip_cd_mm", "tongue_tip_cl_mm", "tongue_dorsum_cd_mm", "tongue_dorsum_cl_mm",
                    "tongue_root_cd_mm", "velum_opening_mm", "larynx_height_mm", "pharynx_width_oro_mm",
                    "pharynx_width_hypo_mm", "tongue_dorsum_height_mm", "tract_length_mm",
                    "airway_area_mm2"]

TINY = SessionSpec("sub03_trumpet_99", "sub03", "trumpet", matrix=68, spacing_mm=2.9, fps=23.18,
                   duration_s=0.6, audio_offset_s=0.1)


def _gt(man, sid):
    entry = man.session(sid)
    return man.resolved(entry)["ground_truth"], entry


def test_same_seed_same_data_other_seed_other_data():
    a, b = simulate_session(TINY), simulate_session(TINY)
    np.testing.assert_array_equal(a["frames"], b["frames"])
    np.testing.assert_array_equal(a["labels"], b["labels"])
    np.testing.assert_array_equal(a["audio"], b["audio"])
    pd.testing.assert_frame_equal(a["measures"], b["measures"])
    c = simulate_session(replace(TINY, seed=1))
    assert not np.array_equal(a["frames"], c["frames"])
    assert not np.array_equal(a["audio"], c["audio"])


def test_same_seed_same_bytes(tmp_path):
    spec = replace(TINY, style="classical", session_id="sub03_classical_99", duration_s=0.3)
    build_session(spec, tmp_path / "a")
    build_session(spec, tmp_path / "b")
    for f in ("frames.nii.gz", "labels.nii.gz", "audio.wav", "clean.wav", "measures.csv",
              "params.csv", "acoustics.csv"):
        ha = hashlib.sha256((tmp_path / "a" / spec.session_id / f).read_bytes()).hexdigest()
        hb = hashlib.sha256((tmp_path / "b" / spec.session_id / f).read_bytes()).hexdigest()
        assert ha == hb, f


def test_ground_truth_tables_follow_the_contract(demo_quick_manifest):
    man = demo_quick_manifest
    for entry in man.sessions:
        gt, _ = _gt(man, entry.id)
        seq = read_sequence(man.resolved(entry)["sequence"])
        m = pd.read_csv(gt["measures"])
        assert list(m.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
        assert len(m) == seq.n_frames
        np.testing.assert_allclose(m["time_s"], seq.times, atol=1e-4)  # NIfTI stores 1/fps as float32
        p = pd.read_csv(gt["params"])
        assert set(PARAMS) <= set(p.columns) and len(p) == seq.n_frames
        a = pd.read_csv(gt["acoustics"])
        assert {"time_s", "f0_hz", "f1_hz", "f2_hz", "f3_hz"} <= set(a.columns)
        assert np.all(np.diff(a["time_s"]) > 0)
        assert 135 < m["tract_length_mm"].median() < 195


def test_labels_agree_with_measures(demo_quick_manifest):
    man = demo_quick_manifest
    for entry in man.sessions:
        gt, _ = _gt(man, entry.id)
        sp = entry.pixel_spacing_mm[0]
        lab = np.rint(read_sequence(gt["labels"]).frames).astype(np.uint8)
        m = pd.read_csv(gt["measures"])
        area = (lab == L.AIRWAY).sum(axis=(1, 2)) * sp * sp
        ratio = area / m["airway_area_mm2"].to_numpy()
        assert np.median(ratio) == pytest.approx(1.0, abs=0.15), entry.id
        for v in (L.AIRWAY, L.TONGUE, L.HARD_PALATE, L.VELUM):
            assert (lab == v).any(axis=(1, 2)).all(), (entry.id, v)
        # the images are dark where the labels say air, bright in the tongue
        fr = read_sequence(man.resolved(entry)["sequence"]).frames
        assert fr[lab == L.AIRWAY].mean() < 0.6 * fr[lab == L.TONGUE].mean()


def test_audio_formants_come_from_the_area_function(demo_quick_manifest):
    man = demo_quick_manifest
    gt, entry = _gt(man, "sub01_classical_01")
    params = pd.read_csv(gt["params"])
    ac = pd.read_csv(gt["acoustics"])
    offset = entry.labels["true_audio_offset_s"]
    subject = SUBJECTS[entry.subject]
    errs = []
    for k in range(5, len(params), 15):
        row = params.iloc[k]
        pose = {p: float(row[p]) for p in PARAMS}
        head = (row["head_dx_mm"], row["head_dy_mm"], row["head_rot_deg"])
        f = formants_from_area(*area_function(build_geometry(subject, pose, head=head)), n_formants=3,
                               radiation=True)
        t_audio = offset + row["time_s"]
        ref = [np.interp(t_audio, ac["time_s"], ac[f"f{j}_hz"]) for j in (1, 2, 3)]
        if np.all(np.isfinite(ref)) and np.all(np.isfinite(f)):
            errs.append(np.abs(np.array(ref) / f - 1))
    errs = np.array(errs)
    assert len(errs) >= 5
    assert np.median(errs) < 0.03
    # the clean audio is voiced at the ground-truth f0: its spectrum has energy at f0
    clean = read_audio(gt["clean_audio"])
    voiced = ac[ac["f0_hz"].notna()]
    t = float(voiced["time_s"].iloc[len(voiced) // 2])
    f0 = float(voiced["f0_hz"].iloc[len(voiced) // 2])
    seg = clean.samples[int(t * 20000) - 1024:int(t * 20000) + 1024] * np.hanning(2048)
    spec = np.abs(np.fft.rfft(seg, 8192))
    fr = np.fft.rfftfreq(8192, 1 / 20000)
    peak = fr[(fr > 0.7 * f0) & (fr < 1.3 * f0)][np.argmax(spec[(fr > 0.7 * f0) & (fr < 1.3 * f0)])]
    assert peak == pytest.approx(f0, rel=0.04)


def _residual(man, sid):
    gt, entry = _gt(man, sid)
    audio = read_audio(man.resolved(entry)["audio"]).samples
    clean = read_audio(gt["clean_audio"]).samples
    return audio - clean, entry


def test_mri_noise_only_while_frames_are_acquired(demo_quick_manifest):
    man = demo_quick_manifest
    res, entry = _residual(man, "sub01_classical_01")  # audio started 0.35 s before the frames
    fs = 20000
    off = entry.labels["true_audio_offset_s"]
    before = res[: int((off - 0.02) * fs)]
    seq = read_sequence(man.resolved(entry)["sequence"])
    during = res[int((off + 0.05) * fs): int((off + seq.duration_s - 0.05) * fs)]
    after = res[int((off + seq.duration_s + 0.05) * fs):]
    rms = lambda x: float(np.sqrt(np.mean(x ** 2)))  # noqa: E731
    assert rms(during) > 10 * rms(before) and rms(during) > 10 * rms(after)
    # periodic with the frame clock: the residual's autocorrelation peaks at one frame period
    x = during - during.mean()
    ac = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * x.size)) ** 2)[: x.size]
    lag = int(round(fs / seq.fps))
    assert ac[lag - 2: lag + 3].max() > 0.5 * ac[0]
    # audio that starts after the first frame is noisy from its first sample
    res2, entry2 = _residual(man, "sub02_belting_01")
    assert entry2.labels["true_audio_offset_s"] < 0
    assert rms(res2[:2000]) > 0.3 * rms(res2[5000:15000])


def test_built_in_group_differences(demo_quick_manifest):
    man = demo_quick_manifest

    def measures(sid):
        return pd.read_csv(_gt(man, sid)[0]["measures"])

    cla, belt = measures("sub01_classical_01"), measures("sub02_belting_01")
    assert cla["larynx_height_mm"].median() - belt["larynx_height_mm"].median() > 8.0
    assert belt["jaw_opening_mm"].median() - cla["jaw_opening_mm"].median() > 3.0
    flute, trumpet = measures("sub02_flute_01"), measures("sub03_trumpet_01")
    assert flute["lip_aperture_mm"].median() - trumpet["lip_aperture_mm"].median() > 1.5
    assert cla["velum_opening_mm"].max() == 0.0

    def vibrato_cents(sid):
        ac = pd.read_csv(_gt(man, sid)[0]["acoustics"])
        f0 = ac["f0_hz"].to_numpy()
        cents = 1200 * np.log2(f0 / pd.Series(f0).rolling(31, center=True, min_periods=31).median())
        return float(np.nanstd(cents))

    assert vibrato_cents("sub01_classical_01") > 3 * vibrato_cents("sub02_belting_01")


def test_tonguing_closures_precede_wind_note_onsets(demo_quick_manifest):
    man = demo_quick_manifest
    gt, entry = _gt(man, "sub03_trumpet_01")
    m = pd.read_csv(gt["measures"])
    # /t/ closes against the incisors' lingual face, just in front of the tip region (the teeth are
    # in no region: MRI does not show them), so a tip closure reads a fraction of a mm
    closed = (m["tongue_tip_cd_mm"] < 1.0) | (m["tongue_dorsum_cd_mm"] == 0)
    assert closed.any() and closed.mean() < 0.6  # short closures, not a held one


def test_snr_and_histogram_in_the_real_range(demo_quick_manifest):
    man = demo_quick_manifest
    for entry in man.sessions:
        seq = read_sequence(man.resolved(entry)["sequence"])
        st = image_stats(seq.frames, seq.pixel_spacing_mm[0])
        assert 8.0 < st["snr"] < 25.0, entry.id
        assert 0.05 < st["sharpness_per_mm"] < 0.15, entry.id
        assert 0.25 < st["mean_rel"] < 0.6, entry.id


@pytest.mark.real
def test_phantom_statistics_close_to_real_frames(demo_quick_manifest, real_dir):
    real = read_sequence(Path(real_dir) / "usc_roi_toolbox" / "s2_study6_3.avi", pixel_spacing_mm=2.9)
    st_real = image_stats(real.frames, 2.9)
    man = demo_quick_manifest
    seq = read_sequence(man.resolved(man.session("sub03_trumpet_01"))["sequence"])
    st = image_stats(seq.frames, 2.9)
    assert st["snr"] == pytest.approx(st_real["snr"], rel=0.5)
    assert st["sharpness_per_mm"] == pytest.approx(st_real["sharpness_per_mm"], rel=0.35)
    assert histogram_distance(seq.frames, real.frames) < 0.1


def test_sessions_load_like_real_data(demo_quick_manifest):
    sess = load_session(demo_quick_manifest, "sub02_flute_01")
    assert isinstance(sess, vtract.Session)
    assert sess.audio_offset_s is None  # left for synchronisation to estimate
    assert sess.group == {"kind": "wind", "instrument": "flute"}
    assert sess.sequence.frames.dtype == np.float32
    assert set(MEASURE_COLUMNS) <= set(pd.read_csv(sess.ground_truth["measures"]).columns)
