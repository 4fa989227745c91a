"""Serving the page: ``solara run changesim.app.served`` in a child process.

:func:`serve` is what ``changesim app`` calls; it makes sure Solara's browser assets are in
this environment (:mod:`changesim.app.assets`), names the scenario for the served module and
runs Solara's server in production mode (no development iframe, no reloading), listening on
``127.0.0.1`` unless a host is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Module that ``solara run`` imports; its ``page`` is the page.
SERVED_MODULE = "changesim.app.served"
#: Environment variable naming the scenario file for :data:`SERVED_MODULE`.
SCENARIO_VARIABLE = "CHANGESIM_APP_SCENARIO"
#: Environment variable listing (``os.pathsep`` between them) the files of the user's own
#: rules, networks, routes and interventions (``changesim --with``) for the served module.
WITH_VARIABLE = "CHANGESIM_APP_WITH"
LOCALHOST = "127.0.0.1"


def command(host: str = LOCALHOST, port: int = 8765) -> list[str]:
    """The ``solara run`` command line."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        SERVED_MODULE,
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--production",
    ]


def environment(scenario: Path) -> dict[str, str]:
    """The child's environment: the scenario, the files of the user's own code loaded in this
    process (:func:`changesim.load_extensions`), and no telemetry (the page works offline)."""
    from changesim.registry import loaded_extension_files

    env = dict(os.environ)
    env[SCENARIO_VARIABLE] = str(scenario.resolve())
    env[WITH_VARIABLE] = os.pathsep.join(str(f) for f in loaded_extension_files())
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def serve(scenario: Path, *, host: str = LOCALHOST, port: int = 8765) -> int:
    """Serve the page for ``scenario`` until interrupted; return the server's exit status."""
    from changesim.app.assets import ensure

    ensure()
    print(f"changesim app: http://{host}:{port}/ (Ctrl+C stops it)", file=sys.stderr)
    try:
        return subprocess.call(command(host, port), env=environment(scenario))
    except KeyboardInterrupt:
        return 0
