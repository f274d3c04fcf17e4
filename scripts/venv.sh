# Shared by ./run, ./run-tests and packaging/build.sh: sourced, not run.
#
#   source scripts/venv.sh
#   xj_ensure_debs PKG...          # Debian packages: install when missing (as root), else say what to install
#   xj_ensure_venv [EXTRAS]        # .venv with `pip install -e .[EXTRAS]`, redone only when pyproject.toml changed
#
# Sets XJ_ROOT (the project root) and XJ_VENV (its .venv).
# shellcheck shell=bash

XJ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
XJ_VENV="$XJ_ROOT/.venv"

xj_say() { printf 'xinjie-desktop: %s\n' "$*" >&2; }

xj_die() {
    xj_say "$@"
    exit 1
}

# Packages from the list that dpkg does not know as installed.
_xj_missing_debs() {
    local pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            printf '%s\n' "$pkg"
        fi
    done
}

xj_ensure_debs() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        xj_say "不是 Debian/Ubuntu 系统，请自行安装相当于以下软件包的依赖 / not a Debian system; install the equivalents of: $*"
        return 0
    fi
    local missing
    mapfile -t missing < <(_xj_missing_debs "$@")
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        xj_say "安装系统软件包 / installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        xj_say "缺少系统软件包，请安装 / missing Debian packages, please run:"
        xj_say "    sudo apt-get install ${missing[*]}"
        return 1
    fi
}

# The interpreter to build .venv from: python3.11, or python3 when that is 3.11.
_xj_base_python() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

_xj_venv_ok() {
    [[ -x "$XJ_VENV/bin/python" ]] &&
        "$XJ_VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null
}

_xj_create_venv() {
    local python
    python="$(_xj_base_python)" ||
        xj_die "需要 Python 3.11（未找到 python3.11）/ Python 3.11 is needed (no python3.11 found on PATH)."
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        # Debian's own python3.11 ships venv/ensurepip in a separate package.
        xj_ensure_debs python3.11-venv ||
            xj_die "无法创建虚拟环境 / cannot create the virtual environment without python3.11-venv."
    fi
    xj_say "首次使用：创建虚拟环境 / first use: creating $XJ_VENV with $python"
    rm -rf "$XJ_VENV"
    "$python" -m venv "$XJ_VENV"
}

# ensure .venv exists and has `pip install -e .[EXTRAS]` done for the current pyproject.toml.
xj_ensure_venv() {
    local extras="${1:-}"
    local hash stamp target note=""
    _xj_venv_ok || { _xj_create_venv && note=" (first time: several minutes / 首次需要几分钟)"; }
    hash="$(sha256sum "$XJ_ROOT/pyproject.toml" | cut -d' ' -f1)"
    stamp="$XJ_VENV/.xinjie-installed-${extras:-base}"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
        return 0
    fi
    target="."
    [[ -n "$extras" ]] && target=".[$extras]"
    xj_say "安装依赖 / installing $target into .venv$note ..."
    (cd "$XJ_ROOT" && "$XJ_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target") ||
        xj_die "依赖安装失败 / pip install -e '$target' failed."
    printf '%s\n' "$hash" >"$stamp"
    # Every extra includes the base dependencies; the test extra includes the packaging one (PyInstaller, for
    # tests/test_frozen_build.py: tests/test_packaging.py checks it), so CI's Windows build installs nothing again.
    printf '%s\n' "$hash" >"$XJ_VENV/.xinjie-installed-base"
    [[ "$extras" == test ]] && printf '%s\n' "$hash" >"$XJ_VENV/.xinjie-installed-packaging"
    return 0
}
