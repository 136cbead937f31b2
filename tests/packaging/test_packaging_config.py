"""The installer configuration (packaging/, issue 12), checked as far as a Linux machine can without building:
the PyInstaller spec and scripts parse, the WiX source is well-formed and gets every variable it uses, the
.deb's Depends cover the system libraries of scripts/setup.sh, the desktop entry runs the GUI, the icons can be
made, and `tessera --version` prints pyproject's version. The real .deb build + install is packaging/test-deb.sh
(minutes; run by hand)."""
from __future__ import annotations

import ast
import importlib.util
import os
import sys
import re
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "packaging"
WIX = "{http://wixtoolset.org/schemas/v4/wxs}"


def pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_flag_prints_the_pyproject_version(capsys):
    assert cli_main.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"tessera {pyproject_version()}"


def test_pyinstaller_is_pinned_in_the_dev_group():
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    assert any(re.fullmatch(r"pyinstaller==[\d.]+", dep) for dep in groups)
    assert 'name = "pyinstaller"' in (ROOT / "uv.lock").read_text()


def test_spec_parses_and_ships_migrations_and_resources():
    source = (PKG / "tessera.spec").read_text()
    ast.parse(source)
    for needed in ('"core" / "migrations"', '"resources" / "fonts"', 'copy_metadata("tessera")', "BUNDLE(",
                   'collect_dynamic_libs("pyzbar")'):
        assert needed in source
    assert (ROOT / "core" / "migrations" / "env.py").is_file()


@pytest.mark.parametrize("script", ["build.sh", "test-deb.sh", "macos/build-dmg.sh"])
def test_shell_scripts_parse(script):
    assert subprocess.run(["bash", "-n", str(PKG / script)], capture_output=True).returncode == 0


def test_wix_source_is_well_formed_and_fed_by_build_ps1():
    tree = ET.parse(PKG / "windows" / "tessera.wxs")
    package = tree.getroot().find(f"{WIX}Package")
    assert package is not None and package.get("UpgradeCode")
    assert package.find(f"{WIX}MajorUpgrade") is not None  # a newer .msi replaces the old one in place
    used = set(re.findall(r"\$\((\w+)\)", (PKG / "windows" / "tessera.wxs").read_text()))
    given = set(re.findall(r"-d (\w+)=", (PKG / "windows" / "build.ps1").read_text()))
    assert used == given == {"Version", "BundleDir", "IconFile"}
    shortcut = tree.getroot().find(f".//{WIX}Shortcut")
    assert shortcut is not None and shortcut.get("Target").endswith("tessera-gui.exe")


def test_deb_depends_cover_the_system_libraries_of_setup_sh():
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    apt = re.search(r"APT_PACKAGES=\(([^)]*)\)", setup).group(1).split()
    libs = {p for p in apt if p.startswith("lib")}
    build = (PKG / "build.sh").read_text()
    depends = re.search(r'depends="([^"]*)"', build).group(1)
    assert libs <= {d.strip() for d in depends.replace("\n", " ").split(",")}


def test_desktop_entry_runs_the_gui():
    entry = dict(line.split("=", 1) for line in (PKG / "tessera.desktop").read_text().splitlines() if "=" in line)
    assert entry["Exec"] == "tessera gui" and entry["Icon"] == "tessera" and entry["Terminal"] == "false"
    assert (ROOT / "resources" / "icons" / "tessera.svg").is_file()


def test_icons_are_made_for_windows_and_macos(tmp_path):
    from PIL import Image

    # In its own interpreter: the script makes a QGuiApplication, which must not outlive it in the test
    # process (pytest-qt's QApplication would then abort).
    proc = subprocess.run([sys.executable, str(PKG / "make_icons.py"), str(tmp_path)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert Image.open(tmp_path / "tessera.ico").format == "ICO"
    assert Image.open(tmp_path / "tessera.icns").format == "ICNS"
