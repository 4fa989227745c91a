"""A self-contained HTML report of a route comparison (plots embedded, no external files)."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime

import pandas as pd

from changesim.analysis.metrics import metric
from changesim.analysis.verdict import Verdict, show


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _interval(mean: float, low: float, high: float, name: str) -> str:
    declared = metric(name)
    if pd.isna(mean):
        return declared.missing
    if pd.isna(low):
        return declared.format(mean)  # a single run: no interval
    bounds = f"[{declared.format(low)}, {declared.format(high)}]"
    return f"{declared.format(mean)} <small>{bounds}</small>"


def _metric_rows(
    frame: pd.DataFrame,
    value: str,
    corner: str,
    currency: str | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> str:
    """Metrics as rows, routes as columns, cells 'mean [low, high]'; ``leave_out`` metrics
    are not shown."""
    routes = list(dict.fromkeys(frame["route"]))
    head = "".join(f"<th>{html.escape(str(r))}</th>" for r in routes)
    body = []
    for name, rows in frame.groupby("metric", sort=False):
        if name in leave_out:
            continue
        by_route = rows.set_index("route")
        cells = []
        for route in routes:
            row = by_route.loc[route]
            text = _interval(row[value], row["ci_low"], row["ci_high"], str(name))
            counted, total = row.get("n", row.get("pairs")), row.get("runs")
            if total is not None and counted < total:
                text += f" <small>({counted}/{total} runs)</small>"
            cells.append(f"<td>{text}</td>")
        label = html.escape(metric(str(name)).title(currency))
        body.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>{corner}</th>{head}</tr>{''.join(body)}</table>"


def summary_html(
    table: pd.DataFrame, currency: str | None = None, leave_out: frozenset[str] = frozenset()
) -> str:
    """Mean [95% CI] per metric and route; '(n/runs)' where some runs never got there."""
    return _metric_rows(table, "mean", "metric", currency, leave_out)


def differences_html(
    diffs: pd.DataFrame, currency: str | None = None, leave_out: frozenset[str] = frozenset()
) -> str:
    """Paired differences against the reference route, mean [95% CI]."""
    if diffs.empty:
        return "<p>Only one route: no differences.</p>"
    return _metric_rows(diffs, "mean_difference", "route − reference", currency, leave_out)


def ranking_html(verdict: Verdict, table: pd.DataFrame, currency: str | None = None) -> str:
    """Routes as rows, key metrics as columns (direction of better in the heading): mean
    [95% CI] and, where it ever was, the share of replications in which the route was best;
    the best mean in bold."""
    if not verdict.rankings:
        return ""
    cells = table.set_index(["metric", "route"])
    routes = list(dict.fromkeys(table["route"]))
    head = "".join(
        f"<th>{html.escape(metric(r.metric).title(currency))}<br>"
        f"<small>{html.escape(str(metric(r.metric).better))} is better</small></th>"
        for r in verdict.rankings
    )
    body = []
    for route in routes:
        row = []
        for ranking in verdict.rankings:
            line = cells.loc[(ranking.metric, route)]
            text = _interval(line["mean"], line["ci_low"], line["ci_high"], ranking.metric)
            p = ranking.p_best.get(route, 0.0)
            if p > 0:
                text += f"<br><small>best in {p:.0%}</small>"
            if route == ranking.best:
                text = f"<b>{text}</b>"
            row.append(f"<td>{text}</td>")
        body.append(f"<tr><th>{html.escape(str(route))}</th>{''.join(row)}</tr>")
    return f"<table class='ranking'><tr><th>route</th>{head}</tr>{''.join(body)}</table>"


def holdouts_html(holdouts: pd.DataFrame) -> str:
    """Per route (rows) and unit (columns): the share and number of employees who never
    adopted by the end of the run."""
    units = [u for u in dict.fromkeys(holdouts["unit"]) if u != "all"] + ["all"]
    head = "".join(f"<th>{html.escape(str(u))}</th>" for u in units)
    cells = holdouts.set_index(["route", "unit"])
    body = []
    for route in dict.fromkeys(holdouts["route"]):
        row = []
        for unit in units:
            line = cells.loc[(route, unit)]
            row.append(
                f"<td>{line['non_adopter_share']:.1%} "
                f"<small>(about {line['non_adopters']:,.0f})</small></td>"
            )
        body.append(f"<tr><th>{html.escape(str(route))}</th>{''.join(row)}</tr>")
    return f"<table><tr><th>route</th>{head}</tr>{''.join(body)}</table>"


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child { text-align: left; }
img { max-width: 100%; }
small { color: #666; }
.meta { color: #555; font-size: 0.85em; }
.headline { font-size: 1.25em; font-weight: 600; }
.warning { background: #fff4e0; border-left: 4px solid #e0a000; padding: 0.5em 0.8em; }
"""


def comparison_report(
    *,
    title: str,
    verdict: Verdict,
    table: pd.DataFrame,
    differences: pd.DataFrame,
    holdouts: pd.DataFrame,
    reference: str,
    figures: dict[str, bytes],
    meta: dict[str, str],
    warnings: list[str],
    currency: str | None = None,
) -> str:
    """The HTML text of a comparison report: the answer first, then the evidence."""
    images = "".join(
        f"<h3>{html.escape(name)}</h3>{_img(png, name)}" for name, png in figures.items()
    )
    meta_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in meta.items()
    )
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    answer = "".join(f"<li>{html.escape(line)}</li>" for line in verdict.sentences(currency)[1:])
    cautions = "".join(f"<p class='warning'>{html.escape(w)}</p>" for w in warnings)
    constant = frozenset(verdict.constant)
    left_out = ""
    if constant:
        same = "; ".join(
            f"{metric(k).label} {show(metric(k), v, verdict.totals)}"
            for k, v in verdict.constant.items()
        )
        left_out = (
            "<p><small>The same in every run of every route, so left out: "
            f"{html.escape(same)}.</small></p>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="headline" id="headline">{html.escape(verdict.tradeoff)}</p>
<ul>{answer}</ul>{cautions}
<h2>Ranking</h2>
<p>Each route's mean with its 95% confidence interval, and the share of replications in which
it was the best route (all routes ran on the same seeds); the best mean is in bold.</p>
{ranking_html(verdict, table, currency)}
{_img(figures["Trade-offs"], "Trade-offs") if "Trade-offs" in figures else ""}
<h2>Employees who never adopted</h2>
<p>Share of each unit's employees who have not adopted at the end of the run (mean over
replications), and about how many people that is.</p>{holdouts_html(holdouts)}
<h2>Summary</h2>
<p>Every route ran on the same seeds (common random numbers). Tables show the mean and its
95% confidence interval; bands in the curves the 5–95% range across replications. The example
organisation and its parameters are illustrative, not calibrated.</p>
{summary_html(table, currency, constant)}{left_out}
<h2>Paired differences against “{html.escape(reference)}”</h2>
<p>Mean of the per-seed difference (route − reference); an interval that excludes 0 is a
difference the replications resolve.</p>{differences_html(differences, currency, constant)}
<h2>Curves</h2>{images}
<h2>Provenance</h2><table class="meta">{meta_rows}
<tr><th>report made</th><td style='text-align:left'>{made}</td></tr></table>
</body></html>
"""
