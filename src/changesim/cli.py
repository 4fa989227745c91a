"""The ``changesim`` command line: validate, schema, run, compare, sweep, calibrate, optimise,
project, analyze, app.

A thin caller of the library: it parses arguments, calls :func:`changesim.load_scenario`,
:func:`changesim.simulate` or :func:`changesim.compare`, and prints. Heavy libraries (Mesa,
pandas, matplotlib) are imported inside the commands that need them, so ``changesim --help``
and ``changesim validate`` answer quickly.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from changesim.experiments import Comparison, RunResult
    from changesim.experiments.executors import Executor
    from changesim.scenario import Problem, Scenario

app = typer.Typer(
    help="Simulate organisational change toward multichannel management and compare routes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Exit status for invalid input (a scenario or data file with problems).
EXIT_INVALID = 2
#: Seconds between plain progress lines when the output is not a terminal.
PLAIN_PROGRESS_SECONDS = 5.0

Files = Annotated[list[Path], typer.Argument(help="Scenario YAML files.", show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Folder for results.")]
Seed = Annotated[int | None, typer.Option(min=0, help="Seed; default: the scenario's seed.")]
Workers = Annotated[
    int | None, typer.Option(min=1, help="Local worker processes; default all cores.")
]
DaskLocal = Annotated[
    int | None, typer.Option(min=1, help="Start a local Dask cluster with N workers.")
]
Scheduler = Annotated[
    str | None, typer.Option(help="Send the runs to the Dask scheduler at this address.")
]


def _fail(problems: Iterable[Problem]) -> NoReturn:
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    raise typer.Exit(EXIT_INVALID)


def _load_all(files: list[Path], *, data_files: bool = False) -> dict[Path, Scenario]:
    """Load every file, collecting all problems; with ``data_files`` also read their tables."""
    from changesim.build.tables import check_data_files
    from changesim.scenario import ScenarioError, load_scenario

    scenarios: dict[Path, Scenario] = {}
    problems: list[Problem] = []
    for file in files:
        try:
            scenarios[file] = load_scenario(file)
            if data_files:
                check_data_files(scenarios[file], str(file))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        _fail(problems)
    return scenarios


def _guard[R](action: Callable[[], R]) -> R:
    """Run ``action``, turning scenario and file-system errors into messages, not tracebacks."""
    from changesim.scenario import ScenarioError

    try:
        return action()
    except ScenarioError as error:
        _fail(error.problems)
    except (OSError, ImportError) as error:  # ImportError: e.g. user code a worker lacks
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@app.callback()
def load_user_code(
    with_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--with",
            help="A Python file that registers your own rules, networks, routes or "
            "interventions (changesim.register_rule, ...), imported before the command; "
            "repeat for several.",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Simulate organisational change toward multichannel management and compare routes."""
    from changesim.registry import load_extensions

    for file in with_files or []:
        try:
            load_extensions(file)
        except ImportError as error:
            typer.echo(f"error: --with {error}", err=True)
            raise typer.Exit(EXIT_INVALID) from None


@app.command()
def validate(
    files: Files,
    observed: Annotated[
        Path | None,
        typer.Option(
            help="A pilot's weekly observations (CSV: week, unit, adopted or adopted_share, "
            "optional readiness_score, self_service_share, satisfaction), checked against "
            "each scenario.",
        ),
    ] = None,
) -> None:
    """Check scenario files; report every problem with file, field, value and what is allowed."""
    scenarios = _load_all(files, data_files=True)
    for file, scenario in scenarios.items():
        units = scenario.organisation.units
        typer.echo(
            f"ok: {file} — {scenario.name!r}, {len(units)} units, route {scenario.route.kind}, "
            f"rule {scenario.adoption.rule}, {scenario.weeks} weeks"
        )
        if observed is not None:
            from changesim.build.observed import Observations, read_observations

            def read(path: Path = observed, against: Scenario = scenario) -> Observations:
                return read_observations(path, against)

            found = _guard(read)
            typer.echo(
                f"ok: {observed} — {len(found.frame)} rows, {found.count} observed values "
                f"({', '.join(found.figures)}) for {file}"
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
    from changesim.experiments import simulate

    scenario = _load_all([file])[file]
    result = _guard(lambda: simulate(scenario, seed=seed))
    written = _guard(lambda: result.save(out))
    _print_run(result)
    typer.echo(f"wrote {len(written)} files to {out}/")


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
    until_precision: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Add replications until every paired difference in the key metric has a 95% "
            "interval narrower than this.",
        ),
    ] = None,
    max_replications: Annotated[
        int, typer.Option(min=1, help="The most replications --until-precision may use.")
    ] = 200,
    key_metric: Annotated[
        str, typer.Option(help="The metric --until-precision watches.")
    ] = "weeks_to_80",
    metrics: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated metrics to conclude on, most important first; default: "
            "weeks_to_80,quality_loss,mean_satisfaction,churned_share,total_cost.",
        ),
    ] = None,
) -> None:
    """Compare routes: every scenario on the same seeds; the answer, report, tables and plots.

    The first file is the reference for paired differences, and its replications and seed are
    used unless --replications and --seed are given. Finished runs are kept in OUT/runs/;
    rerunning after an interruption resumes.
    """
    from rich.console import Console
    from rich.progress import Progress

    from changesim.experiments import compare as compare_routes

    chosen = None if metrics is None else _metric_names(metrics)
    _load_all(files)  # every problem of every file first, before any run starts
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("running", total=None)
        comparison = _guard(
            lambda: compare_routes(
                files,
                replications=replications,
                seed=seed,
                out=out,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                command=" ".join(sys.argv),
                until_precision=until_precision,
                max_replications=max_replications,
                key_metric=key_metric,
                metrics=chosen,
            )
        )
    if comparison.precision is not None:
        p = comparison.precision
        verdict = "reached" if p["reached"] else "not reached"
        typer.echo(
            f"precision {p['target width']} on {p['metric']}: {verdict} with "
            f"{p['replications']} replications (widest 95% interval {p['widest interval']:.3g})"
        )
    typer.echo(f"report: {out / 'report.html'}")
    _print_comparison(comparison)


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
    out: OutDir,
    workers: Workers = None,
    samples: Annotated[
        int | None, typer.Option(min=1, help="Override the design's samples (a quick look).")
    ] = None,
    replications: Annotated[
        int | None, typer.Option("--replications", "-n", min=1, help="Override replications.")
    ] = None,
    dask_local: DaskLocal = None,
    scheduler: Scheduler = None,
    force: Annotated[
        bool, typer.Option(help="Delete another sweep's results found in OUT and start afresh.")
    ] = False,
) -> None:
    """Run an experiment: every route at every design point, on common seeds.

    Finished batches are kept in OUT/runs/ as they end; the same command after an interruption
    resumes and skips them. OUT/runs is a Parquet dataset (pandas.read_parquet, duckdb).
    """
    from changesim.experiments.sweeps import load_experiment
    from changesim.experiments.sweeps import sweep as run_sweep

    experiment = _guard(lambda: load_experiment(file, samples=samples, replications=replications))
    result = _on_executor(
        (workers, dask_local, scheduler),
        lambda executor, progress: run_sweep(
            experiment, out, executor=executor, force=force, progress=progress
        ),
    )
    total = result.manifest["runs"]
    typer.echo(
        f"{total} runs in {out}/runs ({result.ran} run now, {total - result.ran} found on disk)"
    )


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(metavar="SCENARIO", help="The scenario of the pilot.")],
    observed: Annotated[
        Path,
        typer.Option(
            help="The pilot's weekly observations (CSV: week, unit, adopted or adopted_share, "
            "optional readiness_score, self_service_share, satisfaction).",
        ),
    ],
    fit: Annotated[
        str,
        typer.Option(
            help="Comma-separated dotted paths to fit, e.g. "
            "adoption.p,adoption.q,population.resistance.mean."
        ),
    ],
    out: OutDir,
    prior: Annotated[
        list[str] | None,
        typer.Option(
            help="A uniform prior PATH=LOW:HIGH (repeatable); default the field's allowed range."
        ),
    ] = None,
    particles: Annotated[int, typer.Option(min=10, help="Particles per generation.")] = 200,
    generations: Annotated[
        int, typer.Option(min=1, help="Most generations (the prior's included).")
    ] = 8,
    seed: Seed = None,
    workers: Workers = None,
    dask_local: DaskLocal = None,
    scheduler: Scheduler = None,
    force: Annotated[
        bool, typer.Option(help="Delete another calibration found in OUT and start afresh.")
    ] = False,
) -> None:
    """Fit parameters to what a pilot showed (ABC-SMC): estimates with 90% intervals, their
    correlation, the fit and a posterior-predictive check, in OUT.

    Each finished generation is kept in OUT/generations; the same command after an
    interruption continues from there.
    """
    from changesim.experiments.calibration import calibrate as run_calibration

    scenario = _load_all([file], data_files=True)[file]
    paths = [p.strip() for p in fit.split(",") if p.strip()]
    priors = _priors(prior or [])
    result = _on_executor(
        (workers, dask_local, scheduler),
        lambda executor, progress: run_calibration(
            scenario,
            observed,
            paths,
            priors=priors,
            particles=particles,
            generations=generations,
            seed=seed,
            out=out,
            force=force,
            executor=executor,
            progress=progress,
        ),
    )
    for line in result.summary_lines():
        typer.echo(line)
    typer.echo(f"wrote estimates.csv, correlation.csv, fit.png and more to {out}/")


@app.command()
def optimise(
    file: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan-search YAML file.")],
    out: OutDir,
    trials: Annotated[
        int, typer.Option(min=1, help="Trials in total, the stored ones included.")
    ] = 50,
    workers: Workers = None,
    dask_local: DaskLocal = None,
    scheduler: Scheduler = None,
    force: Annotated[
        bool, typer.Option(help="Delete another plan search found in OUT and start afresh.")
    ] = False,
) -> None:
    """Search for the change plan that holds up best across what is uncertain, within the
    budget: the best plan or the Pareto front, each as a scenario file, and a comparison with
    the routes on the same seeds, in OUT.

    Every finished trial is kept in OUT (study.log, trials/); the same command after an
    interruption, or with a larger --trials, continues from there.
    """
    from changesim.experiments.plans import load_plan_search
    from changesim.experiments.plans import optimise as run_search

    problem = _guard(lambda: load_plan_search(file))
    result = _on_executor(
        (workers, dask_local, scheduler),
        lambda executor, progress: run_search(
            problem, out, trials=trials, executor=executor, force=force, progress=progress
        ),
    )
    for line in result.summary_lines():
        typer.echo(line)
    typer.echo(f"wrote front.csv, front.png, plans/ and report.md to {out}/")


@app.command()
def project(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="SCENARIO...",
            help="The calibrated scenario, or the routes to choose between for the rest of "
            "the rollout.",
            show_default=False,
        ),
    ],
    calibration: Annotated[Path, typer.Option(help="A folder written by changesim calibrate.")],
    out: OutDir,
    metrics: Annotated[
        str | None,
        typer.Option(help="Comma-separated key metrics; default the verdict's key metrics."),
    ] = None,
    workers: Workers = None,
    dask_local: DaskLocal = None,
    scheduler: Scheduler = None,
) -> None:
    """Project the rollout from a calibration: one run per posterior particle, continuing
    the pilot run it was accepted with; bands per unit, outcomes, and with several routes the
    probability that each is best."""
    from changesim.experiments.projection import project as run_projection

    routes = list(_load_all(files, data_files=True).values())
    names = _metric_names(metrics) if metrics else None
    result = _on_executor(
        (workers, dask_local, scheduler),
        lambda executor, progress: run_projection(
            calibration, routes, metrics=names, executor=executor, progress=progress
        ),
    )
    written = _guard(lambda: result.save(out))
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for line in result.answer_lines():
        typer.echo(line)
    typer.echo(f"wrote {len(written)} files to {out}/")


@app.command()
def analyze(
    folder: Annotated[Path, typer.Argument(help="A sweep's results folder.")],
    out: OutDir,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", help="Summary metric to analyse (repeatable)."),
    ] = None,
) -> None:
    """Analyse a sweep: sensitivity (Sobol', Morris), which route is best how often and
    where it wins (PRIM), paired differences; tables, figures and report.html."""
    from changesim.experiments.analyze import analyze as run_analysis

    analysis = _guard(lambda: run_analysis(folder, metrics=metric))
    written = _guard(lambda: analysis.save(out))
    from changesim.analysis.metrics import metric as declared

    for box in analysis.boxes:
        typer.echo(f"{declared(box.metric).label}: {box.sentence}")
    typer.echo(f"wrote {len(written)} files to {out}/; report: {out / 'report.html'}")


@app.command("app")
def app_command(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO", help="Scenario YAML file; the route files beside it are offered."
        ),
    ] = Path("scenarios/back_office_first.yaml"),
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on; other than 127.0.0.1 only when asked.")
    ] = "127.0.0.1",
) -> None:
    """Start the interactive view in a browser (Mesa SolaraViz): controls, play, step, reset.

    Needs the app extra of the package (docs/app.md)."""
    _load_all([file])
    try:
        from changesim.app.server import serve
    except ImportError as error:
        typer.echo(f"error: {error}; install the app extra: pip install -e '.[app]'", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(_guard(lambda: serve(file, host=host, port=port)))


def _on_executor[R](
    where: tuple[int | None, int | None, str | None],
    action: Callable[[Executor, Callable[[int, int], None]], R],
) -> R:
    """Run ``action(executor, progress)`` where ``(workers, dask_local, scheduler)`` say: a
    Dask cluster when asked, else local processes (1: this process); with a progress bar,
    problems as messages, and the workers released afterwards."""
    from changesim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor

    workers, dask_local, scheduler = where
    executor: Executor
    if scheduler is not None or dask_local is not None:
        executor = _guard(lambda: DaskExecutor(scheduler, local_workers=dask_local))
    elif workers == 1:
        executor = SerialExecutor()
    else:
        executor = ProcessExecutor(workers)
    try:
        with _progress_reporter() as progress:
            return _guard(lambda: action(executor, progress))
    finally:
        executor.close()


def _priors(texts: list[str]) -> dict[str, tuple[float, float]]:
    """``["adoption.p=0:0.1"]`` -> ``{"adoption.p": (0.0, 0.1)}``; exit 2 naming a bad one."""
    from changesim.scenario import Problem

    priors, problems = {}, []
    for text in texts:
        path, _, interval = text.partition("=")
        low, _, high = interval.partition(":")
        try:
            priors[path.strip()] = (float(low), float(high))
        except ValueError:
            problems.append(
                Problem("--prior", "", "must be PATH=LOW:HIGH, e.g. adoption.p=0:0.1", text)
            )
    if problems:
        _fail(problems)
    return priors


# --------------------------------------------------------------------------- printing


@contextmanager
def _progress_reporter() -> Iterator[Callable[[int, int], None]]:
    """A progress callback: a live bar (runs, runs/s, time left) on a terminal, else a plain
    line every few seconds."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            Task,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Task) -> Text:
                return Text(f"{task.speed or 0:.2f} runs/s")

        bar = Progress(
            BarColumn(),
            MofNCompleteColumn(),
            Rate(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with bar:
            task = bar.add_task("runs", total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    yield _PlainProgress()


class _PlainProgress:
    """Progress as a plain line every few seconds (logs, CI, a pipe)."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._first: int | None = None
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._first is None:
            self._first = done
        if now - self._last < PLAIN_PROGRESS_SECONDS and done < total:
            return
        self._last = now
        rate = (done - self._first) / max(now - self._started, 1e-9)
        left = ""
        if rate > 0 and done < total:
            left = f", about {(total - done) / rate / 60:.1f} min left"
        share = done / max(total, 1)
        typer.echo(f"runs {done}/{total} ({share:.0%}), {rate:.2f} runs/s{left}", err=True)


def _print_run(result: RunResult) -> None:
    """The units' opening, cut-over and final adoption, then the summary metrics."""
    from rich.console import Console
    from rich.table import Table

    from changesim.analysis.metrics import metric

    table = Table(title=f"{result.scenario.name} (seed {result.seed})")
    for column in ("unit", "opened week", "cut-over week", "final adopted"):
        table.add_column(column, justify="left" if column == "unit" else "right")
    for row in result.units.itertuples():
        table.add_row(
            str(row.unit),
            _week(row.opened_week),
            _week(row.cutover_week),
            f"{float(row.final_adopted_share):.1%}",  # type: ignore[arg-type]
        )
    Console().print(table)
    currency = None if result.scenario.customers is None else result.scenario.customers.currency
    metrics = Table(title="Summary")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    for name, value in result.summary.items():
        declared = metric(name)
        metrics.add_row(declared.title(currency), declared.format(value))
    Console().print(metrics)


def _week(value: object) -> str:
    """A week number, or '–' for none."""
    if value is None or value != value:  # None or NaN: never happened
        return "–"
    return str(int(value))  # type: ignore[call-overload]


def _metric_names(text: str) -> list[str]:
    """Comma-separated metric names, each checked against the declared metrics."""
    from changesim.analysis.metrics import METRICS

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in METRICS]
    if unknown or not names:
        raise typer.BadParameter(
            f"unknown metric(s) {', '.join(unknown) or '(none given)'}; "
            f"known: {', '.join(METRICS)}",
            param_hint="--metrics",
        )
    return names


def _print_comparison(comparison: Comparison) -> None:
    """The routes (letters with a legend, so tables stay readable in 80 columns), the key
    metrics with the best route, the paired differences against the reference, and then the
    answer in sentences — last, so that it is what stays on the screen."""
    from rich.console import Console

    console = Console(width=min(Console().width, 100))
    verdict, currency = comparison.verdict, comparison.currency
    letters = {route: chr(ord("A") + i) for i, route in enumerate(comparison.routes)}
    console.print(
        f"Routes compared on the same {len(comparison.seeds)} seeds (common random numbers):"
    )
    for route, letter in letters.items():
        note = " (reference)" if route == comparison.reference else ""
        console.print(f"  {letter}  {route}{note}", highlight=False)
    names = [r.metric for r in verdict.rankings]
    if names:
        summary = comparison.summary.set_index(["metric", "route"])
        console.print("\nKey metrics: mean ±95% CI half-width (↓ lower is better, ↑ higher)")
        table = _key_table(names)
        for route, letter in letters.items():
            table.add_row(letter, *(_cell(_row(summary, n, route), n) for n in names))
        table.add_row(
            "best",
            *(f"{letters[r.best]} {r.p_best[r.best]:.0%}" for r in verdict.rankings),
            style="bold",
        )
        console.print(table)
    if names and not comparison.differences.empty:
        diffs = comparison.differences.set_index(["metric", "route"])
        reference = letters[comparison.reference]
        console.print(f"Paired differences against {reference} (route − {reference}): mean ±95% CI")
        table = _key_table(names)
        for route, letter in letters.items():
            if route != comparison.reference:
                table.add_row(letter, *(_difference_cell(_row(diffs, n, route), n) for n in names))
        console.print(table)
    for warning in comparison.warnings():
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    console.print()
    for line in verdict.sentences(currency)[1:]:
        console.print(line, highlight=False)
    console.print(f"\n[bold]{verdict.tradeoff}[/bold]", highlight=False)


def _row(frame: pd.DataFrame, name: str, route: str) -> pd.Series:
    """The row of metric ``name`` and ``route`` in a table indexed by (metric, route)."""
    return frame.loc[[(name, route)]].iloc[0]


def _key_table(names: list[str]) -> Table:
    """A narrow table: a letter column, then one column per metric with its short heading."""
    from rich import box
    from rich.table import Table

    from changesim.analysis.metrics import metric

    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    table.add_column("")
    for name in names:
        table.add_column(metric(name).heading, justify="right", no_wrap=True)
    return table


def _cell(row: pd.Series, name: str) -> str:
    """Mean ±half-width of the 95% interval; '(n/runs)' when some runs never got there."""
    from changesim.analysis.metrics import metric

    declared = metric(name)
    if row["n"] == 0:
        return declared.missing
    text = _compact(declared.format(row["mean"]))
    half = (row["ci_high"] - row["ci_low"]) / 2
    if half == half:  # no interval from a single run
        text += f" ±{_compact(declared.format(half))}"
    if row["n"] < row["runs"]:
        text += f" ({row['n']}/{row['runs']})"
    return text


def _difference_cell(row: pd.Series, name: str) -> str:
    """A paired difference ±half-width of its 95% interval (shares in percentage points)."""
    from changesim.analysis.metrics import metric

    declared = metric(name)
    mean, half = row["mean_difference"], (row["ci_high"] - row["ci_low"]) / 2
    if declared.unit == "share":  # percentage points, the unit said once
        return f"{mean * 100:+.2f}" + (f" ±{half * 100:.2f}" if half == half else "") + "pp"
    text = _compact(declared.format_difference(mean))
    if half == half:
        text += f" ±{_compact(declared.format_difference(half)).lstrip('+')}"
    return text


def _compact(text: str) -> str:
    """Large numbers written with thousands separators shortened: '3,857,976' -> '3.86m'."""
    digits = text.replace(",", "")
    if "," not in text or not digits.lstrip("+-").isdigit():
        return text
    value = float(digits)
    sign = "+" if text.startswith("+") else ""
    if abs(value) >= 1e6:
        return f"{sign}{value / 1e6:.2f}m"
    return f"{sign}{value / 1e3:.0f}k"


def main() -> None:
    """The ``changesim`` console script: the commands, with matplotlib writing files only."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    app()


if __name__ == "__main__":  # python -m changesim.cli
    main()
