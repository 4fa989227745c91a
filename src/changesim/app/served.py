"""The page as ``solara run`` serves it (see :mod:`changesim.app.server`): the scenario file
is named in ``CHANGESIM_APP_SCENARIO``, default ``scenarios/back_office_first.yaml``; the files
of the user's own code (``changesim --with``) in ``CHANGESIM_APP_WITH`` are loaded first.
"""

from __future__ import annotations

import os
import warnings

from changesim.app.server import SCENARIO_VARIABLE, WITH_VARIABLE
from changesim.app.webpage import page as _page
from changesim.registry import load_extensions

# Solara warns on every page load from 127.0.0.1 (not "localhost") over http that it falls
# back to SameSite=Lax cookies; that is what a local page needs, so the warning is noise.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

for _file in filter(None, os.environ.get(WITH_VARIABLE, "").split(os.pathsep)):
    load_extensions(_file)
page = _page(os.environ.get(SCENARIO_VARIABLE, "scenarios/back_office_first.yaml"))
