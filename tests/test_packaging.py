"""The PyInstaller spec ships what the frozen application reads from disk, and excludes no Qt module in use.

The spec is executed with stand-ins for PyInstaller's Analysis/PYZ/EXE/COLLECT,
so this runs in milliseconds without PyInstaller; packaging/README.md tells how
the real build was checked.
"""

import ast
import importlib.util
import json
import re
import struct
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "xinjie-desktop.spec"
MIGRATIONS = ROOT / "xinjie_desktop" / "migrations"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """(what Analysis/EXE were given, the spec's namespace: its functions)."""
    recorded = {"executables": []}

    def analysis(scripts, **options):
        recorded["scripts"] = scripts
        recorded.update(options)
        return SimpleNamespace(pure=[], scripts=[], binaries=[], datas=[])

    namespace = {
        "SPECPATH": str(SPEC.parent),
        "workpath": str(tmp_path_factory.mktemp("pyinstaller-work")),
        "Analysis": analysis,
        "PYZ": lambda *args, **kwargs: None,
        # EXE(pyz, scripts, run-time options, ...): the options recorded beside the keywords
        "EXE": lambda *args, **kwargs: recorded["executables"].append({**kwargs, "run_time_options": args[2]}),
        "COLLECT": lambda *args, **kwargs: None,
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return recorded, namespace


@pytest.fixture(scope="module")
def spec(loaded):
    return loaded[0]


@pytest.fixture(scope="module")
def functions(loaded):
    return loaded[1]


def _shipped(spec):
    """{destination file: source file} for every data entry."""
    shipped = {}
    for source, destination in spec["datas"]:
        source = Path(source)
        if source.is_dir():
            for path in source.rglob("*"):
                if path.is_file():
                    shipped[(Path(destination) / path.relative_to(source)).as_posix()] = path
        else:
            shipped[(Path(destination) / source.name).as_posix()] = source
    return shipped


def test_entry_point_exists(spec):
    assert [Path(script) for script in spec["scripts"]] == [ROOT / "xinjie_desktop" / "__main__.py"]


def test_every_migration_file_is_shipped_where_the_store_looks_for_it(spec):
    # core/store/database.py: MIGRATIONS = Path(__file__).parent.parent / "migrations", i.e. xinjie_desktop/migrations
    shipped = _shipped(spec)
    wanted = [p for p in MIGRATIONS.rglob("*") if p.is_file() and (p.suffix == ".py" or p.name == "script.py.mako")]
    assert any(p.parent.name == "versions" for p in wanted)
    for path in wanted:
        destination = (Path("xinjie_desktop") / path.relative_to(ROOT / "xinjie_desktop")).as_posix()
        assert shipped.get(destination) == path, f"{destination} missing from the spec's datas"


def test_resources_are_shipped_under_resources(spec):
    shipped = _shipped(spec)
    for name in ("fonts/wqy-microhei.ttc", "fonts/LICENSE-Apache-2.0.txt", "policy/policy-2017.toml"):
        assert f"resources/{name}" in shipped


def _imported_modules(path):
    """Modules a script imports: ``from m import n`` names m.n when that is a module, else m."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                qualified = f"{node.module}.{alias.name}"
                try:
                    is_module = importlib.util.find_spec(qualified) is not None
                except ModuleNotFoundError:
                    is_module = False
                yield qualified if is_module else node.module


def test_what_migration_scripts_import_is_a_hidden_import(spec):
    """env.py and versions/*.py are loaded from disk by Alembic, so PyInstaller never analyses them."""
    hidden = set(spec["hiddenimports"])
    for path in [MIGRATIONS / "env.py", *sorted((MIGRATIONS / "versions").glob("*.py"))]:
        for module in _imported_modules(path):
            if module.split(".")[0] not in sys.stdlib_module_names:
                assert module in hidden, f"{path.name} imports {module}: add it to the spec's hiddenimports"


def test_no_qt_module_the_application_imports_is_excluded(spec):
    used = set()
    for path in (ROOT / "xinjie_desktop").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    excluded = {name.split(".", 1)[1] for name in spec["excludes"] if name.startswith("PySide6.")}
    assert used, "the application imports no Qt module?"
    assert used.isdisjoint(excluded), f"the spec excludes Qt modules in use: {sorted(used & excluded)}"


def test_reportlab_barcode_symbologies_are_bundled(spec):
    """The agreements' QR code loads reportlab's barcode package, which imports code128 & co. by name."""
    assert "reportlab.graphics.barcode.code128" in spec["hiddenimports"]
    assert "reportlab.graphics.barcode.qr" in spec["hiddenimports"]


def test_resources_include_the_icons_but_not_the_translation_source(spec, functions):
    shipped = _shipped(spec)
    for name in (
        "icons/xinjie-desktop.png",
        "icons/xinjie-desktop.ico",
        "translations/zh_CN/LC_MESSAGES/xinjie_desktop.mo",
        "translations/qt/qtbase_additions_zh_CN.qm",
        "guide/zh_CN/index.html",  # the user guide (F1) and its pictures
        "guide/zh_CN/images/household.png",
    ):
        assert f"resources/{name}" in shipped
    wanted = functions["wanted_data"]
    assert not wanted("resources/translations/zh_CN/LC_MESSAGES/xinjie_desktop.po")
    assert wanted("resources/translations/zh_CN/LC_MESSAGES/xinjie_desktop.mo")
    assert not wanted("resources/translations/qt/qtbase_additions_zh_CN.ts")
    assert wanted("resources/translations/qt/qtbase_additions_zh_CN.qm")


def test_build_info_is_written_for_the_about_dialog(spec, functions, monkeypatch):
    from xinjie_desktop import __version__

    ((source, destination),) = [(s, d) for s, d in spec["datas"] if Path(s).name == "build-info.json"]
    assert destination == "."  # sys._MEIPASS/build-info.json, where xinjie_desktop.build_info looks
    info = json.loads(Path(source).read_text(encoding="utf-8"))
    assert info["version"] == __version__ and re.fullmatch(r"\d{4}-\d{2}-\d{2}", info["built"])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795737600")  # a reproducible build carries its source's date
    assert functions["build_date"]() == "2026-11-27"


@pytest.mark.parametrize(
    "dest, kept",
    [
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", True),
        ("PySide6/Qt/translations/qtbase_en.qm", False),
        ("PySide6/Qt/translations/qt_zh_CN.qm", False),
        ("PySide6/Qt/translations/qt_help_zh_CN.qm", False),
        ("PySide6/translations/qtbase_zh_CN.qm", True),  # the Windows wheel's layout
        ("stdnum/cn/loc.dat", True),
        ("stdnum/oui.dat", False),
        ("stdnum/imsi.dat", False),
        ("xinjie_desktop/migrations/env.py", True),
    ],
)
def test_only_the_data_used_is_kept(functions, dest, kept):
    assert functions["wanted_data"](dest) is kept


@pytest.mark.parametrize(
    "dest, kept",
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),  # --self-test
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqlinuxfb.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),  # Chinese input
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
        ("PySide6/Qt/plugins/imageformats/libqwebp.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", False),
        ("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-x11-integration.so", False),
        ("PySide6/Qt/plugins/generic/libqtuiotouchplugin.so", False),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/plugins/styles/qmodernwindowsstyle.dll", True),
        ("PySide6/plugins/tls/qschannelbackend.dll", False),
        ("PySide6/Qt/lib/libQt6Core.so.6", True),  # not a plugin: left to the dependency closure
        ("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", True),
    ],
)
def test_only_the_qt_plugins_used_are_kept(functions, dest, kept):
    assert functions["qt_plugin_wanted"](dest) is kept


def test_pillow_keeps_what_reportlab_reads_and_the_codecs_kept_include_chinese(functions):
    excluded = set(functions["excluded_modules"]())
    assert {"PIL.PngImagePlugin", "PIL.JpegImagePlugin", "PIL.Image"}.isdisjoint(excluded)
    assert "PIL._avif" in excluded and "PIL.WebPImagePlugin" in excluded
    binaries = [
        ("python3.11/lib-dynload/_codecs_cn.cpython-311-x86_64-linux-gnu.so", "/x/_codecs_cn.so", "EXTENSION"),
        ("python3.11/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so", "/x/_codecs_jp.so", "EXTENSION"),
    ]
    functions["LINUX"], linux = False, functions["LINUX"]  # no dependency closure on these made-up paths
    try:
        assert [entry[0] for entry in functions["wanted_binaries"](binaries)] == [binaries[0][0]]
    finally:
        functions["LINUX"] = linux


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        ("icudt73l/coll/ucadata.icu", True),
        ("icudt73l/coll/root.res", True),
        ("icudt73l/coll/zh.res", True),  # pinyin, Chinese's default collation
        ("icudt73l/coll/zh_Hans_CN.res", True),
        ("icudt73l/coll/en_US_POSIX.res", True),
        ("icudt73l/coll/res_index.res", True),
        ("icudt73l/coll/ko.res", False),
        ("icudt73l/zone/zh.res", True),  # QTimeZone's display names in Chinese
        ("icudt73l/zone/pool.res", True),
        ("icudt73l/zone/fr.res", False),
        ("icudt73l/zoneinfo64.res", True),
        ("icudt73l/metaZones.res", True),
        ("icudt73l/likelySubtags.res", True),
        ("icudt73l/res_index.res", True),
        ("icudt73l/root.res", True),
        ("icudt73l/zh_Hant_TW.res", True),
        ("icudt73l/en_GB.res", True),
        ("icudt73l/de.res", False),
        ("icudt73l/yue_Hans.res", False),
        ("icudt73l/cnvalias.icu", True),
        ("icudt73l/gb18030.cnv", True),
        ("icudt73l/windows-936-2000.cnv", True),
        ("icudt73l/ibm-1386_P100-2001.cnv", True),
        ("icudt73l/euc-tw-2014.cnv", False),
        ("icudt73l/ibm-943_P15A-2003.cnv", False),
        ("icudt73l/brkitr/cjdict.dict", False),
        ("icudt73l/translit/root.res", False),
        ("icudt73l/curr/zh.res", False),
        ("icudt73l/lang/zh.res", False),
        ("icudt73l/unames.icu", False),
    ],
)
def test_only_the_icu_data_qt_uses_for_chinese_and_english_is_kept(icu_data, item, kept):
    """Issue 18: the Linux bundle within 150 MB; Qt's ICU data kept for collation, time zones, GB converters."""
    assert icu_data.wanted(item) is kept


@pytest.fixture(scope="module")
def icu_data():
    spec = importlib.util.spec_from_file_location("icu_data", ROOT / "packaging" / "icu_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_icu_data_package_is_split_and_joined_as_icu_lays_it_out(icu_data, tmp_path):
    """The package read from PySide6's own library, written back unchanged (ICU finds items by their offsets
    and a binary search on their names); a cut-down one keeps each kept item's bytes at a 16-byte boundary."""
    library = next((Path(__import__("PySide6").__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    package = icu_data.read_symbol(library, icu_data.symbol(library))
    header, items = icu_data.split(package)
    assert len(items) > 3000 and items[0][0].startswith("icudt")
    assert icu_data.join(header, items) == package
    kept = [(name, data) for name, data in items if icu_data.wanted(name)]
    smaller = icu_data.join(header, kept)
    assert icu_data.split(smaller) == (header, kept)
    assert len(smaller) < len(package) / 5
    (count,) = struct.unpack_from("<I", smaller, len(header))
    offsets = [struct.unpack_from("<II", smaller, len(header) + 4 + 8 * index)[1] for index in range(count)]
    assert all((len(header) + offset) % 16 == 0 for offset in offsets)
    with pytest.raises(ValueError):
        icu_data.split(b"\0" * 64)


def test_icu_data_library_is_swapped_on_linux_only_where_collected(functions, monkeypatch):
    built = []

    class FakeIcu:
        @staticmethod
        def build(library, out):
            built.append((library, out))
            return out

    monkeypatch.setitem(functions, "_icu_data_module", lambda: FakeIcu)
    binaries = [
        ("PySide6/Qt/lib/libicudata.so.73", "/x/libicudata.so.73", "BINARY"),
        ("PySide6/Qt/lib/libicuuc.so.73", "/x/libicuuc.so.73", "BINARY"),
    ]
    swapped = functions["with_trimmed_icu"](binaries)
    assert swapped[1] == binaries[1] and swapped[0][0] == binaries[0][0] and swapped[0][1] != binaries[0][1]
    assert built == [(Path("/x/libicudata.so.73"), Path(swapped[0][1]))]
    assert (
        functions["with_trimmed_icu"]([("PySide6/Qt6Core.dll", "/x/Qt6Core.dll", "BINARY")])[0][1] == "/x/Qt6Core.dll"
    )


def test_links_to_libraries_no_longer_collected_are_dropped(functions):
    binaries = [("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY")]
    datas = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("resources/policy/policy-2017.toml", "/x/policy-2017.toml", "DATA"),
    ]
    kept = functions["without_dangling_links"](datas, binaries)
    assert [entry[0] for entry in kept] == ["libQt6Core.so.6", "resources/policy/policy-2017.toml"]


def test_linux_executable_has_a_console_and_windows_a_window_icon_and_version(spec, functions):
    assert [options["name"] for options in spec["executables"]] == ["xinjie-desktop"]
    assert spec["executables"][0]["console"] is True and spec["executables"][0]["strip"] is True
    functions["WINDOWS"] = True
    try:
        options = functions["executable_options"]()
    finally:
        functions["WINDOWS"] = False
    assert options["console"] is False
    assert Path(options["icon"]).suffix == ".ico" and Path(options["icon"]).is_file()
    version_info = Path(options["version"]).read_text(encoding="utf-8")
    from xinjie_desktop import __version__

    assert f"StringStruct('ProductVersion', '{__version__}')" in version_info
    numbers = (*(int(part) for part in __version__.split(".")[:3]), 0)
    assert f"filevers={numbers}" in version_info  # 0.1.0 -> (0, 1, 0, 0)


def test_icon_files_are_rendered_from_the_svg():
    import struct

    icons = ROOT / "resources" / "icons"
    assert (icons / "xinjie-desktop.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    png = (icons / "xinjie-desktop.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (256, 256)
    ico = (icons / "xinjie-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    sizes = sorted(ico[6 + 16 * i] or 256 for i in range(count))
    assert (reserved, kind) == (0, 1) and sizes == [16, 24, 32, 48, 64, 128, 256]


def test_windows_installer_is_per_user_and_keeps_the_data_folder():
    """packaging/windows/xinjie-desktop.nsi (built, installed and uninstalled under Wine by
    packaging/windows/build-and-test.sh): no admin rights, installed under %LOCALAPPDATA%\\Programs, a 64-bit
    Unicode installer in Chinese first, and nothing of the data folder or settings removed on uninstall."""
    from xinjie_desktop.qt.shell import app

    script = (ROOT / "packaging" / "windows" / "xinjie-desktop.nsi").read_text(encoding="utf-8")
    statements = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith(";")]
    assert "RequestExecutionLevel user" in statements
    assert "Unicode true" in statements and "Target amd64-unicode" in statements
    assert 'InstallDir "$LOCALAPPDATA\\Programs\\${APP_NAME}"' in statements
    assert '!define MUI_ICON "..\\..\\resources\\icons\\xinjie-desktop.ico"' in statements
    languages = [line for line in statements if line.startswith("!insertmacro MUI_LANGUAGE")]
    assert languages[0].endswith('"SimpChinese"')
    assert 'File /r "${BUILD_DIR}\\*"' in statements
    # The uninstaller removes the program folder and the installer's own key only: never $APPDATA or the settings.
    uninstall = script[script.index('Section "Uninstall"') :]
    uninstall = uninstall[: uninstall.index("SectionEnd")]
    removed = [line.strip() for line in uninstall.splitlines() if line.strip().startswith(("RMDir", "Delete"))]
    assert removed and all("$INSTDIR" in line or "$SMPROGRAMS" in line or "UNINSTALL_KEY" in line for line in removed)
    assert "$APPDATA" not in uninstall and "HKCU\\Software\\xinjie" not in uninstall
    # the folder the script promises to keep is the one the program uses (QStandardPaths AppDataLocation)
    assert f"%APPDATA%\\{app.ORGANIZATION}\\{app.APPLICATION}" in script
    assert f"HKCU\\Software\\{app.ORGANIZATION}\\{app.APPLICATION}" in script
    # one installer script: the tested one
    assert sorted(p.name for p in (ROOT / "packaging" / "windows").glob("*.iss")) == []


def test_windows_requirements_are_pinned_within_pyproject_ranges():
    """The Windows build installs exact versions (requirements-windows.txt), each allowed by pyproject.toml."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    ranges = {Requirement(entry).name.lower(): Requirement(entry) for entry in project["dependencies"]}
    pins = {}
    for line in (ROOT / "packaging" / "windows" / "requirements-windows.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{line}: not pinned"
            pins[requirement.name.lower()] = specifier.version
    assert set(ranges) <= set(pins), f"not pinned for Windows: {set(ranges) - set(pins)}"
    for name, requirement in ranges.items():
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement.specifier}"


def test_executables_run_in_utf8_mode(spec):
    """Both Windows executables carry Python's UTF-8 mode as a run-time option: redirected output is
    otherwise written in the ANSI code page (cp936 cannot write "m²", cp1252 no Chinese)."""
    assert [options["run_time_options"] for options in spec["executables"]] == [[("X utf8", None, "OPTION")]]
    # the Windows console twin (built only on Windows) is given the same options
    text = SPEC.read_text(encoding="utf-8")
    assert 'EXE(pyz, a.scripts, RUN_TIME_OPTIONS, exclude_binaries=True, name="xinjie-desktop-console"' in text


def test_the_test_extra_includes_the_packaging_extra():
    """scripts/venv.sh counts an install of ``.[test]`` as one of ``.[packaging]`` too (CI's Windows build then
    installs nothing again): every requirement of the packaging extra must be one of the test extra."""
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert set(extras["packaging"]) <= set(extras["test"])
    assert '"$extras" == test ]] && printf' in (ROOT / "scripts" / "venv.sh").read_text(encoding="utf-8")
