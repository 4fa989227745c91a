"""Put the browser assets that Solara loads from its CDN into this environment, once.

The app (``changesim app``, docs/app.md) is a Solara page. Solara's page asks for a few npm
packages from a CDN; it serves them from ``<prefix>/share/solara/cdn/<package>@<version>/``
when they are there, and machines without access to that CDN (CI, a classroom behind a proxy)
show a blank page otherwise. This script fetches exactly the packages the pinned Solara asks
for with ``npm pack`` (from the npm registry) and unpacks each into that folder.

Idempotent: a package already unpacked is skipped, so a second run takes milliseconds.
``changesim app`` runs it before serving; ``make test`` runs it through
``tools/solara_assets.py`` (target ``solara-assets``). Usage::

    python tools/solara_assets.py [--prefix PREFIX] [--check]

``--check`` only reports what is missing (exit 1 if anything is). See ADR 0013.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: The Solara version these packages were read from (its page template, settings and grid
#: layout widget); pyproject.toml pins the same version in the ``app`` extra.
SOLARA = "1.64.1"
#: npm packages Solara 1.64.1 requests from its CDN for a Mesa SolaraViz page.
PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
)


def cdn_folder(prefix: Path) -> Path:
    """Where Solara looks for its local copy of the CDN (``settings.assets.proxy_cache_dir``)."""
    return prefix / "share" / "solara" / "cdn"


def missing(prefix: Path) -> list[str]:
    """The packages not yet unpacked under ``prefix``."""
    root = cdn_folder(prefix)
    return [p for p in PACKAGES if not (root / p / "package.json").is_file()]


def unpack(package: str, prefix: Path) -> None:
    """``npm pack`` one package into a temporary folder and unpack it in place of the CDN."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found: install Node.js (apt-get install -y npm)")
    target = cdn_folder(prefix) / package
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [npm, "pack", package, "--silent", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        staging = Path(tmp) / "unpacked"
        with tarfile.open(tarball) as archive:
            members = []
            for member in archive.getmembers():
                # every file of an npm tarball is under one top folder ("package/")
                _, _, rest = member.name.partition("/")
                if rest:
                    member.name = rest
                    members.append(member)
            archive.extractall(staging, members=members, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(staging, target)


def ensure(prefix: Path | None = None) -> list[str]:
    """Unpack whatever is missing under ``prefix`` (default this environment); return it."""
    prefix = Path(sys.prefix) if prefix is None else prefix
    todo = missing(prefix)
    for package in todo:
        print(f"solara assets: {package} -> {cdn_folder(prefix) / package}", file=sys.stderr)
        unpack(package, prefix)
    return todo


def main(argv: list[str] | None = None) -> int:
    """The command line of ``tools/solara_assets.py``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--prefix", type=Path, default=Path(sys.prefix), help="the environment")
    parser.add_argument("--check", action="store_true", help="only report what is missing")
    args = parser.parse_args(argv)
    try:
        installed = version("solara")
    except PackageNotFoundError:
        print("solara is not installed: pip install -e '.[app]'", file=sys.stderr)
        return 1
    if installed != SOLARA:
        print(
            f"warning: solara {installed} installed, the asset list is for {SOLARA}; "
            "read the server log for 'Could not load URL' and update PACKAGES",
            file=sys.stderr,
        )
    todo = missing(args.prefix)
    if args.check:
        for package in todo:
            print(f"missing: {package}")
        return 1 if todo else 0
    ensure(args.prefix)
    return 0
