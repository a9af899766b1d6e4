import numpy as np

from vtract import labels as L
from vtract.segmentation._labelgeom import air_facing_contour, palate_surface


def _mouth() -> np.ndarray:
    """Palate over an airway over a tongue; the tongue touches the palate at the back."""
    lab = np.zeros((24, 24), np.uint8)
    lab[4:6, 2:20] = L.HARD_PALATE
    lab[6:10, 3:17] = L.AIRWAY
    lab[10:18, 4:15] = L.TONGUE
    lab[6:10, 12:17] = L.TONGUE  # the dorsum rises against the palate behind the airway
    return lab


def test_air_facing_contour_is_the_tongue_surface_under_the_air():
    lab = _mouth()
    c = air_facing_contour(lab, L.TONGUE)
    assert c.shape[1] == 2 and len(c) >= 10
    # only the surface facing the air: its flat part lies on the pixel edge at row 9.5
    flat = c[(c[:, 0] > 5) & (c[:, 0] < 11)]
    np.testing.assert_allclose(flat[:, 1], 9.5)
    assert c[:, 1].max() <= 10.0 + 1e-9  # the underside (row 17.5) is not part of it
    # one ordered polyline: consecutive points are neighbours on the outline
    assert np.hypot(*np.diff(c, axis=0).T).max() <= 1.0 + 1e-9


def test_air_facing_contour_with_a_closure_follows_the_contact():
    lab = _mouth()
    only_air = air_facing_contour(lab, L.TONGUE)
    with_palate = air_facing_contour(lab, L.TONGUE, facing=(L.AIRWAY, L.HARD_PALATE))
    # the dorsum's top touches the palate (row 5.5 edge): included only when the palate is facing
    assert (with_palate[:, 1] == 5.5).sum() >= 4
    assert (only_air[:, 1] == 5.5).sum() <= 1  # at most the corner next to the air
    assert len(with_palate) > len(only_air)


def test_air_facing_contour_empty_cases():
    lab = _mouth()
    assert air_facing_contour(lab, L.VELUM).shape == (0, 2)  # not labelled
    lab[lab == L.AIRWAY] = 0
    assert air_facing_contour(lab, L.TONGUE).shape == (0, 2)  # no airway


def test_palate_surface_is_the_lower_edge_of_the_palate():
    pts = palate_surface((_mouth() == L.HARD_PALATE).astype(float))
    assert pts[0, 0] == 2 and pts[-1, 0] == 19
    np.testing.assert_allclose(pts[:, 1], 5.5)
