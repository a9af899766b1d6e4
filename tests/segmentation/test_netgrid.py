import numpy as np

from vtract.segmentation._netgrid import NET_MULTIPLE, NetGrid, labels_to_net, normalize_intensity


def test_same_spacing_is_identity_and_padded_to_multiple():
    g = NetGrid((50, 60), (2.4, 2.4), net_spacing_mm=2.4)
    x = np.random.default_rng(0).random((50, 60)).astype(np.float32)
    y = g.to_net(x)
    assert y.shape == (64, 64) and all(s % NET_MULTIPLE == 0 for s in y.shape)
    np.testing.assert_allclose(y[:50, :60], x, atol=1e-6)
    assert np.all(y[50:] == 0) and np.all(y[:, 60:] == 0)
    np.testing.assert_allclose(g.from_net(y), x, atol=1e-6)


def test_net_grid_covers_the_field_of_view_in_mm():
    g = NetGrid((68, 68), (2.9, 2.9), net_spacing_mm=2.4)
    assert g.content_shape == (83, 83)  # ceil(68 * 2.9 / 2.4)
    # a smooth ramp in mm survives the round trip to within interpolation error
    yy, xx = np.mgrid[:68, :68]
    ramp = (0.3 * xx + 0.2 * yy).astype(np.float32)
    back = g.from_net(g.to_net(ramp))
    assert np.abs(back - ramp)[2:-2, 2:-2].max() < 1e-3


def test_labels_to_net_fractions_conserve_area():
    g = NetGrid((64, 64), (2.4, 2.4), net_spacing_mm=2.4)
    fine = np.zeros((192, 192), np.uint8)  # 0.8 mm fine grid over the same field of view
    fine[30:90, 40:100] = 1
    fine[100:130, 20:50] = 7  # not a class of this net: counts as background
    t = labels_to_net(fine, 0.8, g, (0, 1, 2))
    assert t.shape == (3, 64, 64)
    np.testing.assert_allclose(t.sum(0), 1.0, atol=1e-6)
    assert abs(t[1].sum() * 2.4 ** 2 - 60 * 60 * 0.8 ** 2) < 1e-3
    assert t[2].sum() == 0


def test_normalisation_is_scale_free_and_stable_under_air_padding():
    rng = np.random.default_rng(1)
    img = np.abs(rng.normal(0.02, 0.01, (60, 60))) + 1e-3  # magnitude noise: never exactly 0
    img[10:50, 10:50] = rng.normal(1.0, 0.1, (40, 40))
    a = normalize_intensity(img)
    b = normalize_intensity(7.0 * img + 3.0)
    np.testing.assert_allclose(a, b, atol=1e-4)
    padded = np.pad(img, 20, constant_values=0.0)
    c = normalize_intensity(padded)[20:-20, 20:-20]
    np.testing.assert_allclose(c, a, atol=1e-5)  # zero padding is left out of the statistics
