// MicroModel: per-object micro-models that propagate seed boxes through a video.
//
// Design (chosen by measurement on the dev sequences; `microlabel bench propagate` measures it):
//
// - One micro-model per seed and direction (`Window`): a discriminative correlation filter on
//   fHOG + intensity cells (translation), a 1-D correlation filter over 33 scales (DSST), and
//   foreground/background colour histograms (Staple) merged into the response with weight 0.3.
//   The search window (object + 1.5 x its mean side) is resampled to ~96 x 96 working pixels,
//   so the cost per frame does not depend on the video's resolution. The filter learns from a
//   window that weighs the object twice its surroundings, which keeps it off textured
//   backgrounds. Rejected boxes enter the filter's denominator as hard negatives.
// - Each seed runs forward and backward up to its neighbouring seeds (`windows(for:...)`), at
//   most `maxDistance` frames, ending early at a scene cut (`FrameSignature`) or when the
//   response collapses.
// - Stitching (`stitch`): a run that reaches the neighbouring seed and lands on it has its
//   drift there (centre, log width, log height) spread linearly back over the run, so it
//   passes through both seeds. Where two such runs overlap their boxes are averaged and the
//   confidence grows with their agreement (0.5...1); elsewhere one run's box is kept with a
//   confidence below 0.5 that decays with the distance from its seed and with how little the
//   box still looks like the seed.
// - `ConfidenceCalibrator`: stitching's raw score becomes the probability that the box is right
//   (IoU >= 0.5), per score bin: a prior fitted on the dev sequences plus the project's own
//   outcomes (each run that reaches another seed is a held-out check, `heldOutOutcomes`, and
//   review decisions), made monotone in the score.
//
// Everything is deterministic and value-typed, and knows nothing of projects: the Pipeline
// target reads seeds from the store, schedules the windows on threads, and writes proposals.
// Frames are 0-based in this module.
