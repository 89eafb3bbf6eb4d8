"""Median of every (group, implementation) in the MSM/NTT suites, and the table of ratios to the
native kernel printed at the end of the session (native/numba is the number issue 5 asks for)."""

from __future__ import annotations

_MEDIANS: dict = {}
_REGISTERED = []


def record(request, benchmark, impl: str) -> None:
    if not benchmark.stats:
        return
    _MEDIANS[(benchmark.group, impl)] = benchmark.stats.stats.median
    if not _REGISTERED:
        _REGISTERED.append(True)
        request.session.config.add_cleanup(lambda: None)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        request.session.config.pluginmanager.register(_Summary(reporter), "proz-kernel-ratios")


class _Summary:
    def __init__(self, reporter):
        self.reporter = reporter

    def pytest_terminal_summary(self, terminalreporter):
        write = terminalreporter.write_line
        terminalreporter.section("kernels: medians and ratio to native")
        write(f"{'group':<22}{'native':>12}{'numba':>12}{'reference':>12}{'numba/native':>14}")
        for group in sorted({g for g, _ in _MEDIANS}):
            cells = [_MEDIANS.get((group, i)) for i in ("native", "numba", "reference")]
            ratio = f"{cells[1] / cells[0]:.1f}x" if cells[0] and cells[1] else "-"
            write(f"{group:<22}" + "".join(f"{c:>11.4f}s" if c else f"{'-':>12}" for c in cells) + f"{ratio:>14}")
