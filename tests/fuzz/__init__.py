"""Mutation fuzzing of every reader of outside files: ``.r1cs``, ``.wtns``, ``.zkey``, ``.ptau``,
proof, public and verification-key JSON, and the input JSON of ``prozchain circuit witness``
(``.sym`` files are written, never read, so there is no reader to fuzz).

:mod:`tests.fuzz.corpus` makes the valid originals, :mod:`tests.fuzz.mutators` the mutants,
:mod:`tests.fuzz.targets` says what each reader makes of a file, :mod:`tests.fuzz.worker` reads
a batch of mutants in a bounded process and :mod:`tests.fuzz.run` judges them. ``make test``
runs a few hundred mutants per format (``test_fuzz.py``), ``make fuzz`` thousands.
"""
