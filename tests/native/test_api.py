"""The typed native interface: one C header for the compiler and cffi, and enums, not strings."""

from __future__ import annotations

import pytest

from prozchain.native import Field, Group
from prozchain.native.build import api_constants
from prozchain.native.core import PATHS, lib, path_kernels


def test_the_header_read_without_compiling_gives_the_compiled_constants():
    constants = api_constants()
    assert {"PZ_FP", "PZ_FR", "PZ_G1", "PZ_G2", "PZ_OUT_OF_MEMORY", "PZ_CHECK_SUBGROUP", "PZ_MSM_AFFINE"} <= set(constants)
    assert all(getattr(lib, name) == value for name, value in constants.items())


@pytest.mark.parametrize("path", PATHS)
def test_every_path_binds_every_kernel_by_name(path):
    kernels = path_kernels(path)
    assert kernels.group(Group.G2) is kernels.g2
    bound = {fn.__name__ for record in (kernels, kernels.g1, kernels.g2) for fn in record._asdict().values()
             if callable(fn) and hasattr(fn, "__name__")}
    assert bound == {name for name in dir(lib) if name.startswith(f"pz_{path}_")}  # none left out


def test_names_read_back_and_print_as_the_files_write_them():
    assert Group(str(Group.G2)) is Group.G2 and Field(str(Field.FP)) is Field.FP
    assert (Group.G1.coords, Group.G2.coords) == (2, 4)


def test_a_string_where_an_enum_belongs_is_refused(backend):
    """A caller still passing "fp" or "g1" fails at once, on every backend alike."""
    with pytest.raises((KeyError, AttributeError)):
        backend.mul("fr", 2, 3)
    with pytest.raises((KeyError, AttributeError)):
        backend.g_add("g1", (1, 2), (1, 2))
