"""ProzChain L2: a ZK proving workbench (BN254, Groth16, circom/snarkjs interop) and an L2 stack.

The C core in native/src is compiled by cffi at install time; a failed compile fails the install.
"""

from setuptools import find_packages, setup

# The folders stay at the top of the repository; installed, they live under one namespace
# (prozchain.native, prozchain.prover, ...), in editable and regular installs alike.
LAYERS = ["cli", "native", "relations", "prover", "circuits", "rollup", "bench", "testing"]
PACKAGES = find_packages(include=[f"{layer}*" for layer in LAYERS])

setup(
    name="prozchain",
    version="0.1.0",
    description="ZK proving workbench over BN254 with native kernels, and the Layer 2 stack on it",
    python_requires=">=3.10",
    packages=[f"prozchain.{package}" for package in PACKAGES],
    package_dir={f"prozchain.{layer}": layer for layer in LAYERS},
    package_data={
        "prozchain.native": ["src/*.c", "src/*.h"],
        "prozchain.bench": ["msm_peer.js", "witness_peer.js", "package.json", "package-lock.json"],
    },
    setup_requires=["cffi==2.0.0"],
    cffi_modules=["native/build.py:make_builder"],
    install_requires=[
        "cffi==2.0.0",
        "coincurve==21.0.0",
        "dask==2026.8.0",
        "distributed==2026.8.0",
        "flask==3.1.3",
        "matplotlib==3.11.2",
        "networkx==3.6.1",
        "numba==0.68.1",
        "numpy==2.4.6",
        "py-ecc==8.0.0",
        "pycryptodome==3.23.0",
        "tqdm==4.67.1",
    ],
    extras_require={
        "test": [
            "pytest==9.0.3",
            "pytest-xdist==3.8.0",
            "hypothesis==6.155.2",
            "pytest-benchmark==5.2.3",
            "galois==0.4.11",
            "py-evm==0.12.1b1",
            # drives Debian's chromium through its chromedriver (the explorer's browser tests)
            "selenium==4.51.0",
        ],
        # the pytest plugin (prozchain.testing) for users' own suites; evm: its real-EVM checks
        "pytest": ["pytest==9.0.3"],
        "evm": ["py-evm==0.12.1b1"],
    },
    scripts=["cli/prozchain"],
    entry_points={"pytest11": ["prozchain = prozchain.testing.plugin"]},
)
