"""A self-contained HTML report of a route comparison (plots embedded, no external files)."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime

import pandas as pd

from changesim.analysis import HEADLINE_METRICS


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _number(value: float, metric: str) -> str:
    if pd.isna(value):
        return "–"
    if "cost" in metric:
        return f"{value:,.0f}"
    if "share" in metric or "depth" in metric:
        return f"{value:.3f}"
    return f"{value:.1f}"


def _interval(mean: float, low: float, high: float, metric: str) -> str:
    if pd.isna(mean):
        return "never"
    return (
        f"{_number(mean, metric)} <small>[{_number(low, metric)}, {_number(high, metric)}]</small>"
    )


def summary_html(table: pd.DataFrame) -> str:
    """Routes as rows, metrics as columns: mean [95% CI], with 'n/runs' where some are NaN."""
    metrics = list(dict.fromkeys(table["metric"]))
    head = "".join(f"<th>{html.escape(HEADLINE_METRICS.get(m, m))}</th>" for m in metrics)
    body = []
    for route, rows in table.groupby("route", sort=False):
        cells = []
        for _, row in rows.iterrows():
            text = _interval(row["mean"], row["ci_low"], row["ci_high"], row["metric"])
            if row["n"] < row["runs"]:
                text += f" <small>({row['n']}/{row['runs']} runs reached)</small>"
            cells.append(f"<td>{text}</td>")
        body.append(f"<tr><th>{html.escape(str(route))}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>route</th>{head}</tr>{''.join(body)}</table>"


def differences_html(diffs: pd.DataFrame) -> str:
    """Paired differences against the reference route, mean [95% CI]."""
    if diffs.empty:
        return "<p>Only one route: no differences.</p>"
    metrics = list(dict.fromkeys(diffs["metric"]))
    head = "".join(f"<th>{html.escape(HEADLINE_METRICS.get(m, m))}</th>" for m in metrics)
    body = []
    for route, rows in diffs.groupby("route", sort=False):
        cells = "".join(
            f"<td>{_interval(r['mean_difference'], r['ci_low'], r['ci_high'], r['metric'])}</td>"
            for _, r in rows.iterrows()
        )
        body.append(f"<tr><th>{html.escape(str(route))}</th>{cells}</tr>")
    return f"<table><tr><th>route − reference</th>{head}</tr>{''.join(body)}</table>"


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
<h2>Summary</h2>{summary_html(table)}
<h2>Paired differences against “{html.escape(reference)}”</h2>
<p>Mean of the per-seed difference (route − reference); an interval that excludes 0 is a
difference the replications resolve.</p>{differences_html(differences)}
<h2>Curves</h2>{images}
<h2>Provenance</h2><table class="meta">{meta_rows}
<tr><th>report made</th><td style='text-align:left'>{made}</td></tr></table>
</body></html>
"""
