"""Writing a result's files: tables as CSV, texts, figures as PNG, into one folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def write_outputs(
    out: str | Path,
    tables: Mapping[str, pd.DataFrame],
    texts: Mapping[str, str],
    figures: Mapping[str, Figure] | None = None,
) -> list[Path]:
    """Write each table to ``out/<name>`` (CSV, no index), each text to ``out/<name>`` and
    each figure to ``out/<stem>.png``; create ``out`` if needed.

    Returns
    -------
    list of Path
        The files written, in that order.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        frame.to_csv(folder / name, index=False)
        written.append(folder / name)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    if figures:
        from changesim.viz.plots import png_bytes

        for stem, figure in figures.items():
            (folder / f"{stem}.png").write_bytes(png_bytes(figure))
            written.append(folder / f"{stem}.png")
    return written
