"""Installed like any Python application: the wheel built from a clone, installed into a fresh virtual
environment, serves French pages with their assets, without `make` (the catalogue is compiled by the build).

Offline: the wheel is built with this interpreter's setuptools and Babel (no build isolation), and the new
environment borrows the already-installed dependencies (a .pth file) instead of downloading them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = "pac/locale/fr/LC_MESSAGES/django.mo"

# Runs inside the new environment: the login page and every asset it links to, through Django's test client.
RENDER_LOGIN = r"""
import json, re, django, pac
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
page = client.get("/accounts/login/")
html = page.content.decode()
assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html) + ["/static/vendor/vega.min.js"]
print(json.dumps({
    "pac": pac.__file__,
    "status": page.status_code,
    "html": html,
    "assets": {url: client.get(url).status_code for url in assets},
}))
"""


def run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def a_clone(target: Path) -> Path:
    """What a clone holds for the build, without any compiled catalogue or build leftovers."""
    target.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.egg-info"))
    return target


def test_the_wheel_installs_a_pac_that_speaks_french(tmp_path: Path) -> None:
    clone = a_clone(tmp_path / "clone")
    assert not list(clone.rglob("*.mo"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
        "-w", tmp_path / "dist", clone)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("pac-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {CATALOGUE, "pac/web/static/vendor/vega.min.js", "pac/web/templates/base.html"} <= names
    assert {"pac/web/static/vendor/vega-interpreter.js", "pac/web/static/pac/page.js"} <= names  # the CSP's scripts
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)  # the licence travels with it

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_pac_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel)

    environment = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DATABASE_URL", "PAC_LANG"}}
    environment |= {"PAC_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "pac.web.settings"}
    assert "plan" in run(venv / "bin" / "pac", "--help", env=environment, cwd=tmp_path).stdout  # the console script

    shown = json.loads(run(python, "-c", RENDER_LOGIN, env=environment, cwd=tmp_path).stdout)
    assert Path(shown["pac"]).is_relative_to(venv)  # the installed copy, not the clone
    assert shown["status"] == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", shown["html"]))
    assert "Se connecter" in text and "plan d'action commercial" in text  # PAC's own catalogue, in French
    assert "Log in" not in text
    assert len(shown["assets"]) >= 3 and set(shown["assets"].values()) == {200}, shown["assets"]
