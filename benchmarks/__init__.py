"""changesim benchmarks: ``python -m benchmarks [--quick] [--json PATH]`` from the repository root."""
