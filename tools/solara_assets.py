"""Put the assets Solara loads from its CDN into this environment, once (see
src/changesim/app/assets.py and ADR 0013). Idempotent and fast when they are there.

    python tools/solara_assets.py [--prefix PREFIX] [--check]
"""

import sys

from changesim.app.assets import main

if __name__ == "__main__":
    sys.exit(main())
