# Build dist\Tessera-<version>-x64.msi on Windows 10/11 x64 (not built on the Linux development machine).
# Needs: Python 3.11+ from python.org, uv (https://docs.astral.sh/uv/), the .NET SDK 6+ for the WiX tool.
# Steps: .venv from uv.lock (incl. the dev group's PyInstaller) -> icons -> PyInstaller folder from
# packaging\tessera.spec -> WiX v5 (packaging\windows\tessera.wxs). Run from anywhere:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
uv sync --locked
$version = (uv run python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])").Trim()
uv run python packaging\make_icons.py build\icons
if (Test-Path build\pyinstaller) { Remove-Item -Recurse -Force build\pyinstaller }
uv run pyinstaller --noconfirm --clean --distpath build\pyinstaller\dist --workpath build\pyinstaller\work packaging\tessera.spec
$got = (& build\pyinstaller\dist\tessera\tessera.exe --version).Trim()
if ($got -ne "tessera $version") { throw "bundle says '$got', pyproject says $version" }
if (-not (Get-Command wix -ErrorAction SilentlyContinue)) { dotnet tool install --global wix --version 5.0.2 }
New-Item -ItemType Directory -Force dist | Out-Null
wix build packaging\windows\tessera.wxs -arch x64 `
  -d Version=$version -d BundleDir=build\pyinstaller\dist\tessera -d IconFile=build\icons\tessera.ico `
  -o dist\Tessera-$version-x64.msi
Write-Output "dist\Tessera-$version-x64.msi"
