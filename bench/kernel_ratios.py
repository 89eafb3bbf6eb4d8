"""Median of every (group, implementation) in the MSM/NTT/prove suites, and the table of ratios
to the native row printed at the end of the session (numba/native is the number issue 5 asks
for, snarkjs/command the one issue 8 asks for)."""

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
        terminalreporter.section("medians and ratio to native")
        impls = sorted({i for _, i in _MEDIANS}, key=lambda i: (i != "native", i))
        write(f"{'group':<22}" + "".join(f"{i:>12}" for i in impls) + "".join(f"{i + '/native':>18}" for i in impls[1:]))
        for group in sorted({g for g, _ in _MEDIANS}):
            cells = [_MEDIANS.get((group, i)) for i in impls]
            native = _MEDIANS.get((group, "native"))
            ratios = [f"{c / native:.2f}x" if c and native else "-" for c in cells[1:]]
            write(f"{group:<22}" + "".join(f"{c:>11.4f}s" if c else f"{'-':>12}" for c in cells)
                  + "".join(f"{r:>18}" for r in ratios))
