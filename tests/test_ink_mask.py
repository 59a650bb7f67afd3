"""layout.ink_mask's table look-up gives the mask of the int16 formula it replaced, pixel for pixel."""

import numpy as np
import pytest

from figdex.models.layout import ink_mask


def _reference(image, tolerance=24):
    # The formula before the look-up table (kept here as the definition of the mask).
    rgb = image[..., :3].astype(np.int16)
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    colours, counts = np.unique(border // 8, axis=0, return_counts=True)
    background = colours[counts.argmax()] * 8 + 4
    return np.abs(rgb - background).max(axis=-1) > tolerance


@pytest.mark.parametrize("seed", range(40))
def test_same_mask_as_the_int16_formula(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(1, 40, size=2)
    channels = 4 if seed % 3 == 0 else 3
    # Few distinct colours, so the border's commonest colour is often a tie (the tie must break
    # the same way), plus noise near the tolerance.
    palette = rng.integers(0, 256, size=(3, channels))
    image = palette[rng.integers(0, 3, size=(h, w))] + rng.integers(-30, 31, size=(h, w, channels))
    image = np.clip(image, 0, 255).astype(np.uint8)
    for tolerance in (0, 10, 24, 60):
        got = ink_mask(image, tolerance)
        assert got.dtype == bool and np.array_equal(got, _reference(image, tolerance))


def test_figure_on_white_with_a_dark_panel():
    image = np.full((60, 80, 3), 255, np.uint8)
    image[10:30, 20:50] = (30, 60, 200)
    mask = ink_mask(image)
    assert mask[10:30, 20:50].all() and mask.sum() == 20 * 30
    assert np.array_equal(mask, _reference(image))


def test_other_dtypes_keep_the_formula():
    image = np.random.default_rng(1).integers(0, 256, size=(9, 7, 3)).astype(np.int32)
    assert np.array_equal(ink_mask(image), _reference(image))


@pytest.mark.parametrize("seed", range(10))
def test_classify_saturation_as_the_whole_image_formula(seed):
    from figdex.models.classify import features

    rng = np.random.default_rng(100 + seed)
    image = rng.integers(0, 256, size=(rng.integers(3, 30), rng.integers(3, 30), 3)).astype(np.uint8)
    image[: image.shape[0] // 2] = 255  # a white background, so that part of it is no ink
    rgb = image.astype(np.float32)
    mx, mn = rgb.max(axis=-1), rgb.min(axis=-1)
    sat = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1), 0)
    mask = _reference(image)
    expected = float(sat[mask].mean()) if mask.sum() else 0.0
    assert features(image).saturation == expected
