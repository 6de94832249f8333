"""The guard's detectors as they were before the speed work: the slow reference that the
property tests compare the optimised detectors against (same findings on any text)."""
