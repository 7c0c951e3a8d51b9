#!/usr/bin/env bash
# One-time set-up for reportgen on Debian/Ubuntu: system packages, then a virtualenv in .venv.
#   bash scripts/setup.sh          # runtime only
#   bash scripts/setup.sh --test   # plus what the test suite needs
# Safe to run again: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: CJK fonts with real bold (headings), HarfBuzz subsetting for WeasyPrint,
# poppler-utils (pdftotext/pdftoppm) for checks, pandoc for --format docx. See
# docs/decisions.md. With --test: headless Chromium and its driver (the HTML report is opened
# in a real browser) and LibreOffice Writer with its formula module (the Word report is laid
# out to PDF; without libreoffice-math-nogui its equations come out blank).
APT_PACKAGES=(fonts-noto-cjk fonts-dejavu-core libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils pandoc)
[ "${1:-}" = "--test" ] && APT_PACKAGES+=(chromium chromium-driver libreoffice-writer-nogui libreoffice-math-nogui)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "==> installing system packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python environment. torch is pinned and installed first so that nothing later resolves
# an unpinned torch (which would download the multi-GB CUDA build on a CPU machine).
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip install -q --disable-pip-version-check)
.venv/bin/python -c "import torch" 2>/dev/null || { echo "==> installing torch 2.13.0"; "${PIP[@]}" "torch==2.13.0"; }
extras=""; [ "${1:-}" = "--test" ] && extras="[test]"
echo "==> installing reportgen${extras}"
"${PIP[@]}" -e ".${extras}"
