"""changesim benchmarks: ``python -m benchmarks [--quick] [--json PATH]`` from the repo root."""
