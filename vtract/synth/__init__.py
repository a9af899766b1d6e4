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
"""

from ._labelmap import TARGET_LABELS, TISSUES
from ._sample import GENERATOR_VERSION, SynthSample, sample

__all__ = ["sample", "SynthSample", "GENERATOR_VERSION", "TISSUES", "TARGET_LABELS"]
