"""Domain-randomised synthetic training data for a learned rtMRI segmenter (the SynthSeg idea).

:func:`sample` draws a whole midsagittal head with random anatomy, articulation, pose and imaging,
renders it with a random MRI appearance and returns the frame(s) with the target labels (see
:class:`SynthSample`; the interface is fixed with the network side). Torch-free: numpy, scipy, PIL.

One concept per module:

=================  =====================================================================================
module             concept
=================  =====================================================================================
``_anatomy``       random subject anatomy (tract length, palate, larynx, pharynx, velum, tongue, head)
                   and the head outside the tract (scalp, skull, brain, neck muscles)
``_articulation``  random poses: vowel blends, consonant constrictions and closures, velum, mouthpieces
``_pose``          random grid (field of view, pixel, matrix) and placement (scale, tilt, shift, neck)
``_labelmap``      rasterising every tissue class and the target labels (airway rules of the real GT)
``_appearance``    random contrast, bias/coil, PSF, motion, ghosting, undersampling, Rician noise, gamma
``_sample``        one sample: the :class:`SynthSample` contract and :func:`sample`
=================  =====================================================================================

Examples
--------
>>> import numpy as np
>>> from vtract.synth import sample
>>> rng = np.random.default_rng(0)
>>> s = sample(rng, context=3)
>>> s.image.shape[0], s.image.dtype, s.labels.dtype
(3, dtype('float32'), dtype('uint8'))
>>> bool(abs(s.image.shape[1] * s.spacing_mm - s.labels.shape[0] * s.labels_spacing_mm) < 1e-6)
True

The heads use the phantom template's newest anatomy (:data:`vtract.phantom.ANATOMY_REVISION`: an
upright epiglottis with the vallecula in front of it, the tongue's front face against the lingual
plate of the lower incisors' alveolar process); the demo subjects keep revision 1.

The sample's ``meta`` records every random draw (JSON-able), with ``generator_version``
(:data:`GENERATOR_VERSION`), which changes whenever the distribution of samples changes; cite it in
model cards. ``benchmarks/bench_synth.py`` compares the anatomy with real contours and times it.
"""

from ._labelmap import TARGET_LABELS, TISSUES
from ._sample import GENERATOR_VERSION, SynthSample, sample

__all__ = ["sample", "SynthSample", "GENERATOR_VERSION", "TISSUES", "TARGET_LABELS"]
