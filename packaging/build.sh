#!/usr/bin/env bash
# Build the one-folder desktop bundle: dist/xinjie-desktop/xinjie-desktop
# Installs PyInstaller into .venv (the `packaging` extra) on first use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/venv.sh"
cd "$XJ_ROOT"

# The bundle ships the compiled Chinese catalogue; without it the window is in English.
mo=resources/translations/zh_CN/LC_MESSAGES/xinjie_desktop.mo
[[ -f "$mo" ]] ||
    xj_die "缺少 $mo，请先运行 scripts/translations.py compile / $mo is missing: run scripts/translations.py compile first."

# binutils: PyInstaller strips the libraries, and the spec links the cut-down ICU data (packaging/icu_data.py).
xj_ensure_debs binutils || xj_die "先安装上述系统软件包 / install the Debian packages above first."

xj_ensure_venv packaging

"$XJ_VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build packaging/xinjie-desktop.spec
xj_say "构建完成 / built: $XJ_ROOT/dist/xinjie-desktop/xinjie-desktop ($(du -sh dist/xinjie-desktop | cut -f1))"
