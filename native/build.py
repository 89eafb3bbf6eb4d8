"""cffi build script for the C core (`prozchain.native._bn254`), run by setup.py through `cffi_modules`.

The core is compiled once per arithmetic path (native/src/path_*.c): on x86-64 the assembly
path (MULX/ADCX/ADOX) and the portable C path, elsewhere the portable path alone. Every path's
functions are exported under its own prefix (pz_adx_add, pz_portable_add, ...) and
native/c_backend.py picks one at load time from CPUID, so a build runs on any machine of its
architecture, whatever CPU built it. Flags: -O3 and OpenMP for the compiler's default target;
PROZ_CFLAGS adds target flags for experts, e.g. PROZ_CFLAGS="-march=native".
"""

import os
import platform
import re
import shlex
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
# every path's flags, before PROZ_CFLAGS; tests/native/test_builds.py builds the core with them too
# -fno-strict-aliasing: the kernels view limb arrays as field elements and points by casting
# (gcc -O3 for aarch64 once reordered a store so made); it costs nothing measurable here
CFLAGS = ["-O3", "-fno-tree-vectorize", "-fno-strict-aliasing", "-fopenmp", "-std=gnu11", "-Wall",
          "-Wno-unused-function"]

# The C core's interface, for the compiler and for cffi alike: native/src/api.h declares its
# constants, the functions every path shares, then (under #ifdef PZ_PATH) one path's functions
API_HEADER = SRC / "api.h"
PER_PATH = "#ifdef PZ_PATH"


def arithmetic_paths(machine: str = "") -> list[str]:
    """The paths compiled for a machine (default: this one), fastest first."""
    machine = (machine or platform.machine()).lower()
    return ["adx", "portable"] if machine in ("x86_64", "amd64") else ["portable"]


def _declarations(text: str) -> str:
    """C text without its preprocessor lines, which cffi's parser does not take."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#"))


def api_cdef(paths: list[str]) -> str:
    """api.h as cffi's declarations: the shared part once, then each path's part with PZ(name)
    spelled out as that path's name (PZ(add) -> pz_adx_add)."""
    shared, per_path = API_HEADER.read_text().split(PER_PATH)
    return _declarations(shared) + "".join(
        re.sub(r"\bPZ\((\w+)\)", rf"pz_{path}_\1", _declarations(per_path)) for path in paths)


def api_constants() -> dict[str, int]:
    """The enum constants api.h declares, by name (PZ_FP: 0, ...), read without compiling:
    for code that drives the C core without the cffi module (tests/native/harness_cases.py)."""
    ffi, cdef = FFI(), api_cdef([])
    ffi.cdef(cdef)
    return {name: value for kind in re.findall(r"\benum\s+\w+(?=\s*\{)", cdef)
            for name, value in ffi.typeof(kind).relements.items()}


def _relative(path: Path) -> str:
    """A source's path from the folder the build runs in (setup.py's), where distutils then puts
    its object file under the build folder; absolute paths would mirror the whole tree there."""
    return os.path.relpath(path)


def _write_constants() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_constants", HERE / "gen_constants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(SRC / "constants.h")


def make_builder() -> FFI:
    """The cffi builder; setup.py's cffi_modules names this function, so importing the module
    (as the tests do, for CFLAGS and arithmetic_paths) writes and compiles nothing."""
    _write_constants()
    arch = shlex.split(os.environ.get("PROZ_CFLAGS", ""))
    paths = arithmetic_paths()
    ffibuilder = FFI()
    ffibuilder.cdef(api_cdef(paths))
    ffibuilder.set_source(
        "prozchain.native._bn254",
        '#include "cpu.h"\n' + "".join(f'#define PZ_PATH {path}\n#include "api.h"\n#undef PZ_PATH\n' for path in paths),
        sources=[_relative(SRC / f"path_{path}.c") for path in paths],
        include_dirs=[str(SRC)],
        extra_compile_args=[*CFLAGS, *arch],
        extra_link_args=["-fopenmp"],
        depends=sorted(str(p) for p in SRC.glob("*.[ch]")),
    )
    return ffibuilder


if __name__ == "__main__":  # rebuild in place, next to this file, as an editable install has it
    import shutil

    # cffi writes the library under its dotted name (prozchain/native/) in the folder it builds in
    library = Path(make_builder().compile(tmpdir=str(HERE.parent), verbose=True))
    shutil.move(library, HERE / library.name)
    shutil.rmtree(HERE.parent / "prozchain")
