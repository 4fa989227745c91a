"""The ``changesim`` command line: validate, schema, run, compare.

Heavy libraries (Mesa, pandas, matplotlib) are imported inside the commands that need them, so
``changesim --help`` and ``changesim validate`` answer quickly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Simulate organisational change toward multichannel management and compare routes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_INVALID = 2

Files = Annotated[list[Path], typer.Argument(help="Scenario YAML files.", show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Folder for results.")]
Seed = Annotated[int | None, typer.Option(min=0, help="Seed; default: the scenario's seed.")]


def _fail(problems: list) -> None:
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    raise typer.Exit(EXIT_INVALID)


def _load_all(files: list[Path], *, data_files: bool = False):
    """Load every file, collecting all problems; with ``data_files`` also read their tables."""
    from changesim.build.tables import check_data_files
    from changesim.scenario import ScenarioError, load_scenario

    scenarios, problems = {}, []
    for file in files:
        try:
            scenarios[file] = load_scenario(file)
            if data_files:
                check_data_files(scenarios[file])
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        _fail(problems)
    return scenarios


def _guard(action):
    """Run ``action``, turning scenario and file-system errors into messages, not tracebacks."""
    from changesim.scenario import ScenarioError

    try:
        return action()
    except ScenarioError as error:
        _fail(error.problems)
    except OSError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@app.command()
def validate(files: Files) -> None:
    """Check scenario files; report every problem with file, field, value and what is allowed."""
    scenarios = _load_all(files, data_files=True)
    for file, scenario in scenarios.items():
        units = scenario.organisation.units
        typer.echo(
            f"ok: {file} — {scenario.name!r}, {len(units)} units, route {scenario.route.kind}, "
            f"rule {scenario.adoption.rule}, {scenario.weeks} weeks"
        )


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (every field with description, unit, range)."""
    from changesim.scenario import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: OutDir,
    seed: Seed = None,
) -> None:
    """Run one scenario: data (Parquet, CSV), plots (PNG) and a summary table."""
    scenario = _load_all([file])[file]

    def action():
        from changesim.experiments import simulate
        from changesim.viz import plots

        result = simulate(scenario, seed=seed)
        written = result.save(out)
        for name, fig in plots.run_figures(result.weekly, scenario.name).items():
            (out / f"{name}.png").write_bytes(plots.png_bytes(fig))
            written.append(out / f"{name}.png")
        _print_run_summary(scenario.name, result)
        typer.echo(f"wrote {len(written)} files to {out}/")

    _guard(action)


def _print_run_summary(name: str, result) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{name} (seed {result.seed})")
    table.add_column("unit")
    table.add_column("opened week", justify="right")
    table.add_column("cut-over week", justify="right")
    table.add_column("final adopted", justify="right")
    for row in result.units.itertuples():
        table.add_row(
            row.unit,
            _week(row.opened_week),
            _week(row.cutover_week),
            f"{row.final_adopted_share:.1%}",
        )
    Console().print(table)
    metrics = Table(title="Summary")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    for key, value in result.summary.items():
        metrics.add_row(key, "never" if value != value else f"{value:,.3f}".rstrip("0").rstrip("."))
    Console().print(metrics)


def _week(value) -> str:
    return "–" if value is None or value != value else str(int(value))


@app.command()
def compare(
    files: Files,
    out: OutDir,
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications", "-n", min=1, help="Runs per route; default: the first scenario's."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Base seed; default: the first scenario's.")
    ] = None,
) -> None:
    """Compare routes: every scenario on the same seeds; report, tables and plots.

    The first file is the reference for paired differences, and its replications and seed are
    used unless --replications and --seed are given. Finished runs are kept in OUT/runs/;
    rerunning after an interruption resumes.
    """
    loaded = _load_all(files)
    _guard(lambda: _compare(loaded, out, replications, seed))


def _compare(loaded: dict, out: Path, replications: int | None, seed: int | None) -> None:
    from rich.console import Console
    from rich.progress import Progress

    from changesim.experiments import compare as compare_routes

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("running", total=None)
        comparison = compare_routes(
            list(loaded),
            replications=replications,
            seed=seed,
            out=out,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            command=" ".join(sys.argv),
        )
    _print_comparison(comparison.summary, len(comparison.seeds), comparison.currency)
    typer.echo(f"report: {out / 'report.html'}")


def _print_comparison(table, count: int, currency: str | None = None) -> None:
    """Metrics as rows, routes as columns: mean ± half-width of the 95% interval."""
    from rich.console import Console
    from rich.table import Table

    from changesim.analysis.metrics import metric

    routes = list(dict.fromkeys(table["route"]))
    out = Table(title=f"Routes compared: mean ± 95% CI half-width, {count} replications each")
    out.add_column("metric")
    for route in routes:
        out.add_column(str(route), justify="right")
    for name, rows in table.groupby("metric", sort=False):
        by_route = rows.set_index("route")
        out.add_row(metric(name).title(currency), *(_cell(by_route.loc[r], name) for r in routes))
    Console().print(out)


def _cell(row, name: str) -> str:
    """Mean ± half-width of the 95% interval; '(n/runs)' when some runs never got there."""
    from changesim.analysis.metrics import metric

    declared = metric(name)
    if row["n"] == 0:
        return declared.missing
    text = declared.format(row["mean"])
    half = (row["ci_high"] - row["ci_low"]) / 2
    if half == half:  # no interval from a single run
        text += f" ±{declared.format(half)}"
    if row["n"] < row["runs"]:
        text += f" ({row['n']}/{row['runs']})"
    return text
