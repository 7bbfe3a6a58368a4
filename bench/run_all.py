"""`make bench`: run every benchmark and write bench/RESULTS.md (machine, date, output)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "tenant_create.py",
    "seal_issue.py",
    "seal.py",
    "dual_seal.py",
    "ofd_seal.py",
    "verify.py",
    "long_term.py",
    "api_load.py",
]


def _machine() -> str:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    memory = ""
    try:
        kib = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} CPUs ({cpu}){memory}, Python {platform.python_version()}"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def main() -> None:
    load_at_start = _load()
    sections = []
    failed = False
    for script in [name for name in SCRIPTS if (HERE / name).exists()]:
        print(f"== {script}", flush=True)
        run = subprocess.run([sys.executable, str(HERE / script)], capture_output=True, text=True, cwd=HERE.parent)
        output = run.stdout.strip() or "(no output)"
        print(output, flush=True)
        if run.returncode != 0:
            failed = True
            output += f"\n\nFAILED (exit {run.returncode}):\n{run.stderr.strip()[-2000:]}"
            print(run.stderr[-2000:], file=sys.stderr)
        sections.append(f"## {script}\n\n```\n{output}\n```\n")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Benchmark results\n\n{now} on {_machine()}; load average (1, 5, 15 min) at the start "
        f"{load_at_start}, at the end {_load()}.\n"
        "Written by `make bench` (`bench/run_all.py`). Every ratio is measured against its anchor in the same "
        "run, interleaved where the script can, so machine load hits both alike; on a shared, busy machine the "
        "absolute times are noisy (a load average above the CPU count means every process waits for a CPU), "
        "so read the ratios and, where printed, the CPU-time columns.\n"
    )
    (HERE / "RESULTS.md").write_text(header + "\n" + "\n".join(sections))
    print(f"wrote {HERE / 'RESULTS.md'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
