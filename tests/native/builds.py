"""The builds of the C core that tests/native/test_builds.py checks, and how each is made and run.

A build is a compiler, flags on top of native/build.py's and a target. It compiles
tests/native/harness.c once per arithmetic path its target has (on x86-64 the assembly path,
whatever the CPU, and the portable one) against a copy of native/src with a freshly generated
constants.h, so nothing depends on an installed core. A build whose compiler, libraries or
emulator are missing is skipped, unless PROZ_REQUIRE_BUILDS is set (CI sets it); one whose target
needs instructions this CPU lacks is compiled but not run.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from prozchain.native import gen_constants
from prozchain.native.build import CFLAGS, SRC, arithmetic_paths

HARNESS = Path(__file__).with_name("harness.c")
REQUIRED = bool(os.environ.get("PROZ_REQUIRE_BUILDS"))

# /proc/cpuinfo flags a binary needs to run: its -march level's, or the assembly path's
X86_64_V3 = ("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe")
X86_64_V4 = X86_64_V3 + ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl")
PATH_NEEDS = {"adx": ("adx", "bmi2"), "portable": ()}

# -fno-sanitize-recover: a report fails the run instead of scrolling by; -g1: reports name lines
# and inlined functions (which the leak suppressions match), at a third of -g's compile time
SANITIZERS = ("-O1", "-g1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")
LSAN_SUPPRESSIONS = Path(__file__).with_name("lsan.supp")


@dataclass(frozen=True)
class Build:
    name: str
    compiler: str
    flags: tuple[str, ...] = ()        # after native/build.py's, so a later -O wins
    machine: str = "x86_64"            # the target's architecture
    runner: tuple[str, ...] = ()       # an emulator to run the binaries under
    cpu_needs: tuple[str, ...] = ()    # the target's instructions, as /proc/cpuinfo names them
    env: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def paths(self) -> list[str]:
        return arithmetic_paths(self.machine)

    def command(self, path: str, src: Path, out: Path) -> list[str]:
        return [self.compiler, *CFLAGS, *self.flags, f"-I{src}", f"-DPZ_PATH={path}",
                f"-DPZ_ASM={int(path == 'adx')}", str(HARNESS), "-o", str(out)]


BUILDS = (
    Build("gcc", "gcc"),
    Build("gcc-x86-64", "gcc", ("-march=x86-64",)),
    Build("gcc-x86-64-v3", "gcc", ("-march=x86-64-v3",), cpu_needs=X86_64_V3),
    Build("gcc-x86-64-v4", "gcc", ("-march=x86-64-v4",), cpu_needs=X86_64_V4),
    Build("gcc-O0", "gcc", ("-O0",)),
    Build("gcc-Og", "gcc", ("-Og",)),
    Build("gcc-asan-ubsan", "gcc", SANITIZERS, env={"LSAN_OPTIONS": f"suppressions={LSAN_SUPPRESSIONS}"}),
    Build("clang", "clang"),
    Build("clang-x86-64-v4", "clang", ("-march=x86-64-v4",), cpu_needs=X86_64_V4),
    # static, so that qemu-user needs no aarch64 sysroot at run time
    Build("aarch64", "aarch64-linux-gnu-gcc", ("-static",), machine="aarch64", runner=("qemu-aarch64",)),
)

# The toolchain probe: a compiler that builds and links this has the headers and OpenMP runtime.
PROBE = "#include <omp.h>\n#include <stdio.h>\nint main(void) { printf(\"%d\\n\", omp_get_max_threads()); }\n"


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}


def missing_tools(build: Build) -> Optional[str]:
    """Why this machine cannot make or run the build, or None."""
    if build.machine == "x86_64" and platform.machine() != "x86_64":
        return "an x86-64 target, and this is not an x86-64 machine"
    for tool in (build.compiler, *build.runner[:1]):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.c"
        probe.write_text(PROBE)
        done = subprocess.run([build.compiler, *CFLAGS, *build.flags, str(probe), "-o", str(Path(tmp) / "probe")],
                              capture_output=True, text=True)
        if done.returncode:
            return f"{build.compiler} cannot build an OpenMP program with these flags:\n{done.stderr}"
    return None


def unrunnable(build: Build, path: str, cpu: set[str]) -> Optional[str]:
    """Why this CPU cannot run the path's binary (it is then compiled only), or None."""
    if build.runner:
        return None
    lacking = [flag for flag in (*build.cpu_needs, *PATH_NEEDS[path]) if flag not in cpu]
    return f"compiled only: this CPU lacks {', '.join(lacking)}" if lacking else None


def prepare_sources(folder: Path) -> Path:
    """native/src copied to folder, with constants.h generated there (not taken from a build)."""
    for source in SRC.glob("*.[ch]"):
        if source.name != "constants.h":
            shutil.copy(source, folder / source.name)
    gen_constants.write(folder / "constants.h")
    return folder


@dataclass
class Binary:
    build: Build
    path: str
    file: Path
    log: str          # the compiler's command and output
    ok: bool

    def run(self, threads: int, commands: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run([*self.build.runner, str(self.file), str(threads)], input=commands,
                              capture_output=True, text=True, timeout=timeout, env={**os.environ, **self.build.env})


def compile_harness(build: Build, path: str, src: Path, out: Path) -> Binary:
    command = build.command(path, src, out)
    done = subprocess.run(command, capture_output=True, text=True)
    log = " ".join(command) + "\n" + done.stdout + done.stderr
    return Binary(build, path, out, log, done.returncode == 0)
