"""render_still: PNG montage layout, contours in every tile, captions, bad times."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vtract.errors import DataValueError
from vtract.labels import LABEL_COLORS, TONGUE
from vtract.video import render_still
from vtract.video._compose import panel_size
from vtract.video._still import keyframe_indices

from .conftest import SHAPE, acoustics_table, label_maps, make_session


def test_montage_has_a_tile_per_keyframe_with_contours(tmp_path):
    s = make_session()
    out = render_still(s, tmp_path / "still.png", labels=label_maps(), n_keyframes=6, size=120,
                       acoustics=acoustics_table())
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    ph, pw = panel_size(SHAPE, (2.4, 2.4), 120)
    gap = 4
    assert img.shape[1] == 3 * pw + 4 * gap
    # two rows of tiles: each tile has tongue-red pixels near the tongue's boundary
    red = np.array(LABEL_COLORS[TONGUE])
    top = img.shape[0] - 2 * ph - 3 * gap  # heading height
    assert top > 0
    for i in range(6):
        r, c = divmod(i, 3)
        y, x = top + gap + r * (ph + gap), gap + c * (pw + gap)
        tile = img[y:y + ph, x:x + pw]
        assert np.count_nonzero(np.linalg.norm(tile - red, axis=-1) < 40) > 20, i


def test_explicit_times_and_errors(tmp_path):
    s = make_session()
    out = render_still(s, tmp_path / "two.png", times_s=[0.1, 1.0], size=96, columns=2)
    img = np.asarray(Image.open(out))
    ph, pw = panel_size(SHAPE, (2.4, 2.4), 96)
    assert img.shape[1] == 2 * pw + 3 * 4
    with pytest.raises(DataValueError, match="outside the session"):
        render_still(s, tmp_path / "bad.png", times_s=[5.0])
    assert not (tmp_path / "bad.png").exists()


def test_keyframe_indices():
    np.testing.assert_array_equal(keyframe_indices(40, 4), [0, 13, 26, 39])
    np.testing.assert_array_equal(keyframe_indices(3, 6), [0, 1, 2])


def test_user_colours_and_toggles(tmp_path):
    from vtract.labels import AIRWAY

    s = make_session()
    out = render_still(s, tmp_path / "c.png", labels=label_maps(), times_s=[0.1], size=120,
                       colors={"tongue": "#00ff00"}, show=("tongue",), line_width=3)
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    near = lambda rgb: np.count_nonzero(np.linalg.norm(img - np.array(rgb), axis=-1) < 40)  # noqa: E731
    assert near((0, 255, 0)) > 50  # the tongue in the user's colour
    assert near(LABEL_COLORS[TONGUE]) == 0  # not in the default red
    assert near(LABEL_COLORS[AIRWAY]) == 0  # airway toggled off
