"""vtract.tube against closed-form resonances (uniform and two-tube models)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from vtract import tube
from vtract.errors import DataValueError

C = tube.SPEED_OF_SOUND_CM_S


@pytest.mark.parametrize("length_cm", [14.0, 17.5, 19.0])
def test_uniform_tube_matches_quarter_wave_resonances(length_cm):
    f = tube.formants_from_area(np.full(30, 3.0), length_cm, n_formants=4)
    expected = (2 * np.arange(1, 5) - 1) * C / (4 * length_cm)
    np.testing.assert_allclose(f, expected, rtol=0.02)
    np.testing.assert_allclose(f, tube.uniform_tube_formants(length_cm, 4), rtol=1e-4)


def _two_tube_roots(a1, l1, a2, l2, fmax=5000.0):
    # closed (glottis) - tube 1 - tube 2 - open (lips): A1 tan(k l1) = A2 cot(k l2)
    def g(f):
        k = 2 * np.pi * f / C
        return a1 * np.sin(k * l1) * np.sin(k * l2) - a2 * np.cos(k * l1) * np.cos(k * l2)

    grid = np.arange(10.0, fmax, 1.0)
    v = g(grid)
    idx = np.nonzero(np.sign(v[:-1]) != np.sign(v[1:]))[0]
    return np.array([brentq(g, grid[i], grid[i + 1]) for i in idx])


@pytest.mark.parametrize("a1,l1,a2,l2", [(1.0, 9.0, 7.0, 8.0),    # /a/-like
                                         (7.0, 9.0, 1.0, 8.0),    # /i/-like
                                         (2.0, 6.0, 5.0, 10.0)])
def test_two_tube_model_matches_closed_form(a1, l1, a2, l2):
    n1, n2 = 12, 10
    area = np.r_[np.full(n1, a1), np.full(n2, a2)]
    lengths = np.r_[np.full(n1, l1 / n1), np.full(n2, l2 / n2)]
    expected = _two_tube_roots(a1, l1, a2, l2)[:4]
    f = tube.formants_from_area(area, lengths, n_formants=4)
    np.testing.assert_allclose(f, expected, rtol=0.02)
    # and the exact roots, far better than the 2 % requirement
    np.testing.assert_allclose(f, expected, rtol=1e-4)


def test_lossy_transfer_function_peaks_at_the_resonances():
    area = np.r_[np.full(12, 1.0), np.full(10, 7.0)]
    freqs = np.arange(0.0, 5000.0, 2.0)
    h = tube.transfer_function(area, 17.0, freqs, loss=True, radiation=False)
    assert abs(h[0]) == pytest.approx(1.0, rel=0.01)  # wall losses attenuate slightly at DC
    peaks = tube.formants_from_transfer(freqs, h, n_formants=4)
    np.testing.assert_allclose(peaks, tube.formants_from_area(area, 17.0, n_formants=4), rtol=0.02)
    bw = tube.bandwidths_from_area(area, 17.0, peaks[:3], radiation=False)
    assert np.all((bw > 30) & (bw < 250))


def test_radiation_lowers_resonances_by_the_end_correction():
    area = np.full(20, 3.0)
    f_open = tube.formants_from_area(area, 17.5, n_formants=3)
    f_rad = tube.formants_from_area(area, 17.5, n_formants=3, radiation=True)
    # an end correction of 8/(3 pi) * radius lengthens the tube for low frequencies
    a = np.sqrt(3.0 / np.pi)
    expected_f1 = C / (4 * (17.5 + 8 / (3 * np.pi) * a))
    assert f_rad[0] == pytest.approx(expected_f1, rel=0.02)
    assert np.all(f_rad < f_open)


def test_batched_transfer_function_equals_single_and_padding_is_identity():
    rng = np.random.default_rng(1)
    freqs = np.linspace(0, 8000, 257)
    a1, l1 = rng.uniform(0.3, 5, 20), rng.uniform(0.3, 1.0, 20)
    a2, l2 = rng.uniform(0.3, 5, 15), rng.uniform(0.3, 1.0, 15)
    area = np.ones((2, 20))
    length = np.zeros((2, 20))
    area[0], length[0] = a1, l1
    area[1, 5:], length[1, 5:] = a2, l2  # padded at the glottis end with zero-length sections
    hb = tube.transfer_function(area, length, freqs)
    np.testing.assert_allclose(hb[0], tube.transfer_function(a1, l1, freqs), rtol=1e-10)
    np.testing.assert_allclose(hb[1], tube.transfer_function(a2, l2, freqs), rtol=1e-10)


def test_area_from_distance_is_the_measures_law():
    from vtract.measures import area_from_distance

    assert tube.area_from_distance is area_from_distance
    d = np.array([-1.0, 0.0, 10.0, 20.0])
    np.testing.assert_allclose(tube.area_from_distance(d, alpha=1.5, beta=1.5),
                               [0.0, 0.0, 150.0, 150.0 * 2 ** 1.5])


def test_bad_input_is_a_clear_error():
    with pytest.raises(DataValueError, match="does not match"):
        tube.formants_from_area([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(DataValueError, match="finite"):
        tube.transfer_function([1.0, np.nan], 10.0, [100.0])
