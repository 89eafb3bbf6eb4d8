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

# Kernels that allocate return PZ_OUT_OF_MEMORY (native/src/alloc.h) when an allocation fails,
# beside their own results; native/c_backend.py raises NativeMemoryError for it.
PATH_CDEF = """
void pz_add(int which, uint64_t *r, const uint64_t *a, const uint64_t *b);
void pz_sub(int which, uint64_t *r, const uint64_t *a, const uint64_t *b);
void pz_mul(int which, uint64_t *r, const uint64_t *a, const uint64_t *b);
void pz_neg(int which, uint64_t *r, const uint64_t *a);
void pz_sqr(int which, uint64_t *r, const uint64_t *a);
int pz_inv(int which, uint64_t *r, const uint64_t *a);
void pz_pow(int which, uint64_t *r, const uint64_t *a, const uint64_t *e, int nlimbs);
int pz_sqrt(uint64_t *r, const uint64_t *a);
int64_t pz_batch_inv(int which, uint64_t *out, const uint64_t *in, size_t n);
void pz_mul_many(int which, uint64_t *out, const uint64_t *a, const uint64_t *b, size_t n);
void pz_to_mont(int which, uint64_t *out, const uint64_t *in, size_t n);
void pz_from_mont(int which, uint64_t *out, const uint64_t *in, size_t n);

void pz_g1_add(uint64_t *r, const uint64_t *a, const uint64_t *b);
void pz_g1_double(uint64_t *r, const uint64_t *a);
void pz_g1_neg(uint64_t *r, const uint64_t *a);
void pz_g1_mul(uint64_t *r, const uint64_t *a, const uint64_t *k, int nlimbs);
int pz_g1_on_curve(const uint64_t *a);
int pz_g1_in_subgroup(const uint64_t *a);
int pz_g1_batch_to_affine(uint64_t *out, const uint64_t *in, size_t n);
int64_t pz_g1_check(const uint64_t *pts, size_t n, int upto, int mont, int *code);

void pz_g2_add(uint64_t *r, const uint64_t *a, const uint64_t *b);
void pz_g2_double(uint64_t *r, const uint64_t *a);
void pz_g2_neg(uint64_t *r, const uint64_t *a);
void pz_g2_mul(uint64_t *r, const uint64_t *a, const uint64_t *k, int nlimbs);
int pz_g2_on_curve(const uint64_t *a);
int pz_g2_in_subgroup(const uint64_t *a);
int pz_g2_batch_to_affine(uint64_t *out, const uint64_t *in, size_t n);
int64_t pz_g2_check(const uint64_t *pts, size_t n, int upto, int mont, int *code);

int pz_miller_loop(uint64_t *out, const uint64_t *g1s, const uint64_t *g2s, size_t n);
int pz_final_exp(uint64_t *out, const uint64_t *in);
int pz_pairing(uint64_t *out, const uint64_t *g1s, const uint64_t *g2s, size_t n);
int pz_pairing_check(const uint64_t *g1s, const uint64_t *g2s, size_t n);
void pz_fp12_mul(uint64_t *out, const uint64_t *a, const uint64_t *b);
void pz_fp12_sqr(uint64_t *out, const uint64_t *a);
int pz_fp12_inv(uint64_t *out, const uint64_t *a);
void pz_fp12_pow(uint64_t *out, const uint64_t *a, const uint64_t *e, int nlimbs);
void pz_fp12_frobenius(uint64_t *out, const uint64_t *a, int k);
void pz_fp12_cyclotomic_sqr(uint64_t *out, const uint64_t *a);

int pz_g1_msm(uint64_t *out, const uint64_t *bases, const uint64_t *scalars, size_t n, int window, int flags);
int pz_g2_msm(uint64_t *out, const uint64_t *bases, const uint64_t *scalars, size_t n, int window, int flags);
int pz_msm_window(int group, size_t n, int nbits, int *affine);
int pz_fr_ntt(uint64_t *data, int log, int inverse, const uint64_t *shift, int mont);
int pz_g1_progression(uint64_t *out, const uint64_t *gen, const uint64_t *a, const uint64_t *d, size_t n);
int pz_g2_progression(uint64_t *out, const uint64_t *gen, const uint64_t *a, const uint64_t *d, size_t n);
int pz_g1_fixed_base(uint64_t *out, const uint64_t *gen, const uint64_t *scalars, size_t n);
int pz_g2_fixed_base(uint64_t *out, const uint64_t *gen, const uint64_t *scalars, size_t n);
int64_t pz_qap_abc(uint64_t *a, uint64_t *b, const uint8_t *records, size_t nrecords, const uint64_t *witness, size_t nwitness, size_t n);
int pz_qap_h(uint64_t *h, uint64_t *a, uint64_t *b, int log, const uint64_t *shift);
"""

COMMON_CDEF = """
#define PZ_OUT_OF_MEMORY ...
int pz_cpu_has_adx(void);
void pz_set_threads(int n);
int pz_num_threads(void);
"""


def arithmetic_paths(machine: str = "") -> list[str]:
    """The paths compiled for a machine (default: this one), fastest first."""
    machine = (machine or platform.machine()).lower()
    return ["adx", "portable"] if machine in ("x86_64", "amd64") else ["portable"]


def path_cdef(path: str) -> str:
    """PATH_CDEF with every function renamed to the path's prefix: pz_add -> pz_adx_add."""
    return PATH_CDEF.replace(" pz_", f" pz_{path}_")


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
    ffibuilder.cdef(COMMON_CDEF + "".join(path_cdef(path) for path in paths))
    ffibuilder.set_source(
        "prozchain.native._bn254",
        '#include <stddef.h>\n#include <stdint.h>\n#include "alloc.h"\n#include "cpu.h"\n' + "".join(path_cdef(path) for path in paths),
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
