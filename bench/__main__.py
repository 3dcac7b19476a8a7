"""`python -m bench <name> [options]`: dispatch to the named benchmark's `main`."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "all": "bench.all",
    "carparts": "bench.carparts",
    "decisions": "bench.decisions",
    "drift": "bench.drift",
    "features": "bench.features",
    "leadtime": "bench.leadtime",
    "load": "bench.load",
    "serving": "bench.serving",
    "speed": "bench.speed",
    "walmart": "bench.walmart",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in BENCHMARKS:
        names = ", ".join(sorted(BENCHMARKS))
        print(f"usage: python -m bench <name> [options]; benchmarks: {names}", file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    result: int = module.main(argv[1:])
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
