"""Print the CPU whose float kernels a `make repro` runs on, in one line: vendor, family, model and torch's kernel
level. Two machines that print the same line train the same bytes; on two that do not, the CNNs' float sums run in
another order and their metrics move inside the seed-to-seed variation (docs/development.md). `make repro` writes
the line to metrics/cpu.txt when it changed dvc.lock; .ci/run compares it with the committed one."""

from pathlib import Path

import torch

FIELDS = ("vendor_id", "cpu family", "model", "model name")


def cpu() -> str:
    info: dict[str, str] = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    vendor, family, model, name = (info.get(field, "?") for field in FIELDS)
    return f"{vendor} family {family} model {model} ({name}), torch kernels {torch.backends.cpu.get_cpu_capability()}"


if __name__ == "__main__":
    print(cpu())
