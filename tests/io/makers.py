"""Small files in every supported format, written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

FPS = 25.0
SPACING = (2.0, 2.5)  # (row_mm, col_mm)


def canonical_frames(n: int = 6, ny: int = 12, nx: int = 10, seed: int = 0) -> np.ndarray:
    """Frames with an asymmetric pattern so flips/transposes are detectable."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(0, 100, size=(n, ny, nx)).astype(np.float32)
    f[:, 0, 0] = 1000.0  # bright top-left (head top, face)
    f[:, -1, -1] = 500.0
    return f


def write_nifti_ras(path: Path, frames: np.ndarray, fps: float = FPS, unit: str = "sec",
                    dt: float | None = None) -> Path:
    """On-disk layout (1, nx, ny, T): axis0 = L->R slice, axis1 = A->P?  We use a PSR-like grid.

    axis0: size 1 (x, left-right), axis1: columns stored posterior->anterior (index increases to A),
    axis2: rows stored inferior->superior (index increases to S) -- i.e. a RAS+ layout.
    """
    n, ny, nx = frames.shape
    # canonical col c (face->back) -> RAS axis1 index nx-1-c (increasing = anterior)
    # canonical row r (top->bottom) -> RAS axis2 index ny-1-r (increasing = superior)
    data = np.transpose(frames, (2, 1, 0))[::-1, ::-1, :]  # (nx, ny, T) flipped
    data = data[np.newaxis]  # (1, nx, ny, T)
    affine = np.diag([5.0, SPACING[1], SPACING[0], 1.0])
    img = nib.Nifti1Image(np.ascontiguousarray(data), affine)
    img.header.set_xyzt_units("mm", unit)
    img.header.set_zooms((5.0, SPACING[1], SPACING[0], dt if dt is not None else 1.0 / fps))
    img.set_qform(affine, 1)
    img.set_sform(affine, 1)
    nib.save(img, str(path))
    return path


def write_nifti_lps_transposed(path: Path, frames: np.ndarray, fps: float = FPS) -> Path:
    """Another orientation: (nx?..) axis0 = rows (S->I... index increases to I), axis1 = slice,
    axis2 = columns (index increases to P); time in msec."""
    n, ny, nx = frames.shape
    data = np.transpose(frames, (1, 2, 0))[:, np.newaxis, :, :]  # (ny, 1, nx, T)
    affine = np.array([[0.0, 4.0, 0.0, 0.0],       # axis1 (slice) -> +x
                       [0.0, 0.0, -SPACING[1], 0.0],  # axis2 (col) -> -y = posterior
                       [-SPACING[0], 0.0, 0.0, 0.0],  # axis0 (row) -> -z = inferior
                       [0.0, 0.0, 0.0, 1.0]])
    img = nib.Nifti1Image(np.ascontiguousarray(data), affine)
    img.header.set_xyzt_units("mm", "msec")
    img.header.set_zooms((SPACING[0], 4.0, SPACING[1], 1000.0 / fps))
    img.set_qform(affine, 1)
    img.set_sform(affine, 1)
    nib.save(img, str(path))
    return path


def _dicom_base(rows: int, cols: int):
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MR"
    ds.PatientName = "Secret^Person"
    ds.PatientID = "ID-12345"
    ds.PatientBirthDate = "19700101"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelSpacing = [SPACING[0], SPACING[1]]
    ds.SliceThickness = 6.0
    ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]  # columns -> posterior, rows -> inferior
    return ds


def write_dicom_series(folder: Path, frames: np.ndarray, fps: float = FPS, shuffle: bool = True,
                       transposed: bool = False) -> Path:
    """Single-frame MR images with AcquisitionTime; file order shuffled vs time order."""
    from pydicom.uid import generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    series = generate_uid()
    n = frames.shape[0]
    order = np.random.default_rng(1).permutation(n) if shuffle else np.arange(n)
    for i, k in enumerate(order):
        img = frames[k].T if transposed else frames[k]
        ds = _dicom_base(*img.shape)
        if transposed:
            ds.ImageOrientationPatient = [0, 0, -1, 0, 1, 0]
            ds.PixelSpacing = [SPACING[1], SPACING[0]]
        ds.SeriesInstanceUID = series
        ds.InstanceNumber = int(k) + 1
        t = 10 * 3600 + 5 * 60 + 1.0 + k / fps
        hh, rem = divmod(t, 3600)
        mm, ss = divmod(rem, 60)
        ds.AcquisitionTime = f"{int(hh):02d}{int(mm):02d}{ss:09.6f}"
        ds.PixelData = np.round(img).astype(np.uint16).tobytes()
        ds.save_as(folder / f"IM{i:04d}.dcm", enforce_file_format=True)
    return folder


def write_enhanced_dicom(path: Path, frames: np.ndarray, fps: float = FPS) -> Path:
    """One multi-frame file with per-frame FrameAcquisitionDateTime."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence as DSeq

    n, ny, nx = frames.shape
    ds = _dicom_base(ny, nx)
    del ds.PixelSpacing
    del ds.ImageOrientationPatient
    ds.NumberOfFrames = n
    pm = Dataset()
    pm.PixelSpacing = [SPACING[0], SPACING[1]]
    po = Dataset()
    po.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
    shared = Dataset()
    shared.PixelMeasuresSequence = DSeq([pm])
    shared.PlaneOrientationSequence = DSeq([po])
    ds.SharedFunctionalGroupsSequence = DSeq([shared])
    per = []
    for k in range(n):
        fc = Dataset()
        t = 12 * 3600 + k / fps
        hh, rem = divmod(t, 3600)
        mm, ss = divmod(rem, 60)
        fc.FrameAcquisitionDateTime = f"20240101{int(hh):02d}{int(mm):02d}{ss:09.6f}"
        g = Dataset()
        g.FrameContentSequence = DSeq([fc])
        per.append(g)
    ds.PerFrameFunctionalGroupsSequence = DSeq(per)
    ds.PixelData = np.round(frames).astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def write_video(path: Path, frames: np.ndarray, fps: int = 25) -> Path:
    """Lossless-ish grey video with PyAV (ffv1 in .avi / libx264rgb qp0 in .mp4)."""
    import av

    f8 = np.clip(frames / frames.max() * 255, 0, 255).astype(np.uint8)
    with av.open(str(path), "w") as c:
        if path.suffix == ".avi":
            s = c.add_stream("ffv1", rate=fps)
            s.pix_fmt = "gray"
        else:
            s = c.add_stream("libx264", rate=fps)
            s.pix_fmt = "yuv420p"
            s.options = {"qp": "0"}
        s.width, s.height = f8.shape[2], f8.shape[1]
        for fr in f8:
            fmt = "gray" if path.suffix == ".avi" else "gray"
            vf = av.VideoFrame.from_ndarray(fr, format=fmt)
            for p in s.encode(vf):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path
