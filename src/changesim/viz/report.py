"""A self-contained HTML report of a route comparison (plots embedded, no external files)."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime

import pandas as pd

from changesim.analysis.metrics import metric


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


def _metric_rows(frame: pd.DataFrame, value: str, corner: str, currency: str | None = None) -> str:
    """Metrics as rows, routes as columns, cells 'mean [low, high]'."""
    routes = list(dict.fromkeys(frame["route"]))
    head = "".join(f"<th>{html.escape(str(r))}</th>" for r in routes)
    body = []
    for name, rows in frame.groupby("metric", sort=False):
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


def summary_html(table: pd.DataFrame, currency: str | None = None) -> str:
    """Mean [95% CI] per metric and route; '(n/runs)' where some runs never got there."""
    return _metric_rows(table, "mean", "metric", currency)


def differences_html(diffs: pd.DataFrame, currency: str | None = None) -> str:
    """Paired differences against the reference route, mean [95% CI]."""
    if diffs.empty:
        return "<p>Only one route: no differences.</p>"
    return _metric_rows(diffs, "mean_difference", "route − reference", currency)


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child { text-align: left; }
img { max-width: 100%; }
small { color: #666; }
.meta { color: #555; font-size: 0.85em; }
"""


def comparison_report(
    *,
    title: str,
    table: pd.DataFrame,
    differences: pd.DataFrame,
    reference: str,
    figures: dict[str, bytes],
    meta: dict[str, str],
    currency: str | None = None,
) -> str:
    """The HTML text of a comparison report."""
    images = "".join(
        f"<h3>{html.escape(name)}</h3>{_img(png, name)}" for name, png in figures.items()
    )
    meta_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in meta.items()
    )
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Every route ran on the same seeds (common random numbers). Bands show the 5–95% range
across replications; tables show the mean and its 95% confidence interval. The example
organisation and its parameters are illustrative, not calibrated.</p>
<h2>Summary</h2>{summary_html(table, currency)}
<h2>Paired differences against “{html.escape(reference)}”</h2>
<p>Mean of the per-seed difference (route − reference); an interval that excludes 0 is a
difference the replications resolve.</p>{differences_html(differences, currency)}
<h2>Curves</h2>{images}
<h2>Provenance</h2><table class="meta">{meta_rows}
<tr><th>report made</th><td style='text-align:left'>{made}</td></tr></table>
</body></html>
"""
