"""One batch of mutants in a process of its own, under a memory and a time bound:

    python -m tests.fuzz.worker FORMAT SEED START COUNT CORPUS_DIR WORK_DIR

Prints one JSON line as each mutant starts and one with its outcome: ``error`` (the reader
raised the project's error type), ``same`` (it read the very content of the original),
``different``, ``timeout``, ``memory`` or ``crash: <exception>``. A mutant that kills the
process (a signal, the C core) is the one whose start line has no outcome; its files are left
in WORK_DIR, which the caller removes.
"""

from __future__ import annotations

import json
import resource
import shutil
import signal
import sys
from pathlib import Path

from prozchain.native.errors import ProzError
from tests.fuzz.corpus import FILES
from tests.fuzz.mutators import mutant
from tests.fuzz.targets import TARGETS

MEMORY = 1 << 30  # bytes of address space a mutant may add to the process's
SECONDS = 10.0  # per mutant


class MutantTimeout(BaseException):
    """Raised by the alarm; a BaseException, so that no reader's ``except Exception`` eats it."""


def _alarm(signum, frame):
    raise MutantTimeout


def _bound_memory() -> None:
    """Cap the address space at what the imports already use plus MEMORY."""
    used = int(next(line.split()[1] for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmSize:"))) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY, used + MEMORY))


def outcome(read, path: Path, corpus: Path, original) -> tuple[str, str]:
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    try:
        content = read(path, corpus)
        return ("same" if content == original else "different"), ""
    except ProzError as exc:
        return "error", str(exc)[:300]
    except MemoryError:
        return "memory", ""
    except MutantTimeout:
        return "timeout", ""
    except Exception as exc:  # what the fuzzing is for: anything but the project's error type
        return f"crash: {type(exc).__name__}", str(exc)[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main(argv: list[str]) -> None:
    name, seed, start, count, corpus, work = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), Path(argv[4]), Path(argv[5])
    target = TARGETS[name]
    source = corpus / FILES[target.file]
    data = source.read_bytes()
    original = target.read(source, corpus)
    signal.signal(signal.SIGALRM, _alarm)
    _bound_memory()
    for i in range(start, start + count):
        m = mutant(target, data, seed, i)
        path = work / f"{i}{source.suffix}"
        if m.data is None:
            path.mkdir()
        else:
            path.write_bytes(m.data)
        print(json.dumps({"i": i, "start": True, "label": m.label, "operator": m.operator}), flush=True)
        result, detail = outcome(target.read, path, corpus, original)
        print(json.dumps({"i": i, "label": m.label, "operator": m.operator, "must_fail": m.must_fail, "outcome": result,
                          "detail": detail}), flush=True)
        shutil.rmtree(path) if path.is_dir() else path.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
