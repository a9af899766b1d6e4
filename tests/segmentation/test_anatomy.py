"""Palate finding on the upper wall (vtract.segmentation._anatomy.find_palate)."""

import numpy as np

from vtract.segmentation._anatomy import find_palate


def _seg(a, b, n):
    return np.linspace(a, b, n, endpoint=False)


def test_ridge_is_the_top_of_the_climb_behind_the_lips():
    # glottis -> up the pharynx -> back to front along a flat roof -> down the incisors to the lips
    # (face to the left, image rows down, 1 px = 1 mm)
    up = np.vstack([_seg((50, 60), (50, 20), 40), _seg((50, 20), (20, 20), 30),
                    _seg((20, 20), (10, 35), 15), [(10, 35)]])
    post, ridge = find_palate(up, 1.0)
    np.testing.assert_allclose(up[ridge], (20, 20))  # the top of the climb
    assert post < ridge and up[post, 1] == 20 and up[post, 0] >= 45  # the roof's back end, on the roof


def test_a_collapsed_wall_has_no_palate_instead_of_an_error():
    # a degenerate frame (every wall point at one place) must not crash the measures
    assert find_palate(np.tile([[5.0, 5.0]], (10, 1)), 1.0) == (-1, -1)
    assert find_palate(np.zeros((2, 2)), 1.0) == (-1, -1)
