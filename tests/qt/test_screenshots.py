"""Render the main screens offscreen, with demo data, to PNG files.

The README shows these pictures (docs/screenshots/*.png); look at them after a change to the window. A test run
writes them to a folder of the temporary directory (``xinjie-screenshots-out``), so running the tests leaves the
source tree as it was; ``XINJIE_UPDATE_SCREENSHOTS=1`` writes them over docs/screenshots, to be committed.
The interface is rendered in Simplified Chinese from the current catalogue
(compiled here from the .po, so the pictures never show a stale .mo).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from xinjie_desktop import i18n
from xinjie_desktop.core.records import demo_data
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.resources import translations_dir

pytestmark = pytest.mark.gui

SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("XINJIE_UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "xinjie-screenshots-out"
)
SIZE = (1280, 800)


@pytest.fixture
def chinese(prepared_app, tmp_path, monkeypatch):
    """The interface in Simplified Chinese, from the catalogue as it is in the source tree."""
    po = translations_dir() / "zh_CN" / "LC_MESSAGES" / "xinjie_desktop.po"
    if po.exists():
        mo = tmp_path / "zh_CN" / "LC_MESSAGES" / "xinjie_desktop.mo"
        mo.parent.mkdir(parents=True)
        with po.open("rb") as source:
            catalog = read_po(source, locale="zh_CN")
        with mo.open("wb") as target:
            write_mo(target, catalog)
        monkeypatch.setattr(i18n, "translations_dir", lambda: tmp_path)
    from xinjie_desktop.qt.shell.app import prepare_application

    language = prepare_application(prepared_app, "zh_CN")
    yield language
    prepare_application(prepared_app, "en")


def assert_not_blank(path: Path) -> None:
    image = QImage(str(path))
    assert not image.isNull(), path
    assert (image.width(), image.height()) >= (600, 400), path
    values = []
    colours = set()
    for y in range(0, image.height(), 7):
        for x in range(0, image.width(), 7):
            pixel = image.pixel(x, y)
            colours.add(pixel)
            values.append((pixel >> 16 & 255) * 0.299 + (pixel >> 8 & 255) * 0.587 + (pixel & 255) * 0.114)
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    assert variance > 100, f"{path} looks blank (variance {variance:.1f})"
    assert len(colours) > 20, f"{path} has only {len(colours)} colours"


def save(widget, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path)), path
    assert_not_blank(path)
    return path


def test_screenshot_setup_dialog(qtbot, chinese, store, type_text):
    from xinjie_desktop.qt.shell.setup_dialog import SetupDialog

    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.name_edit, "示例乡")
    type_text(dialog.centre_edit, "示例乡易地扶贫搬迁指挥部")
    type_text(
        dialog.outline_edit,
        "青山村：第一村民小组，第二村民小组，第三村民小组\n松林村：第一村民小组，第二村民小组\n清水村",
    )
    dialog.resize(760, dialog.sizeHint().height())
    qtbot.wait(20)
    assert dialog.outline_status.property("error") is True  # the last line lacks its groups
    save(dialog, "setup-dialog.png")


@pytest.fixture
def demo_store_at_a_fixed_path():
    """The status bar shows the data file's path: a fixed one keeps the pictures the same run to run."""
    folder = Path(tempfile.gettempdir()) / "xinjie-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    store = open_store(folder / "示例乡.sqlite")
    demo_data.generate(store, villages=4, households=300, seed=2017)
    yield store
    store.close()


def test_screenshot_main_window_and_household_editor(qtbot, chinese, demo_store_at_a_fixed_path):
    from xinjie_desktop.qt.shell.app import create_main_window

    store = demo_store_at_a_fixed_path
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(3)
    qtbot.wait(50)
    save(window, "main-window.png")

    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # open the selected household
    assert window.editor() is not None
    qtbot.wait(50)
    save(window, "household-editor.png")
    for name in ("main-window.png", "household-editor.png"):
        assert (SHOTS / name).stat().st_size > 10_000

    editor = window.editor()
    for tab, name in (
        (1, "household-members.png"),
        (2, "income-worksheet.png"),
        (3, "identification-workflow.png"),
        (4, "household-flags.png"),
    ):
        editor.tabs.setCurrentIndex(tab)
        qtbot.wait(20)
        save(window, name)


def test_screenshot_relocation_and_housing_plan(qtbot, chinese, demo_store_at_a_fixed_path):
    """The relocation tab: the verification form, a compliant plan and a rectification case with the
    co-ownership ways (HS-4)."""
    import datetime as dt
    from decimal import Decimal

    from xinjie_desktop.core.rules.housing_plan import PlanInput
    from xinjie_desktop.core.rules.relocation import VerificationDraft
    from xinjie_desktop.qt.households.household_editor import RELOCATION_TAB
    from xinjie_desktop.qt.shell.app import create_main_window

    window = create_main_window(demo_store_at_a_fixed_path)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(3)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    editor = window.editor()
    editor.tabs.setCurrentIndex(RELOCATION_TAB)
    tab = editor.relocation_tab

    tab._fill(
        VerificationDraft(
            in_scope=True,
            area_category="harsh",
            area_reason="房屋位于滑坡隐患点上方，交通不便，不具备就地发展条件。",
            mode="centralised",
            site="辛街乡集中安置点",
            building_mode="unified",
            latitude="25.1120",
            longitude="99.1680",
            notice_start=dt.date(2017, 4, 14),
            notice_end=dt.date(2017, 4, 21),
            notice_place="村委会公示栏、第一村民小组公示栏",
            secretary="张建华",
            secretary_signed_on=dt.date(2017, 4, 22),
            director="李国强",
            director_signed_on=dt.date(2017, 4, 22),
            team_leader="王志明",
            team_leader_signed_on=dt.date(2017, 4, 22),
            submitted_on=dt.date(2017, 4, 23),
        )
    )
    tab.inner_tabs.setCurrentIndex(0)
    qtbot.wait(50)
    save(window, "relocation-verification.png")

    tab.inner_tabs.setCurrentIndex(1)
    tab.calculator.set_plan_input(
        PlanInput(
            people=4,
            unit_cost=Decimal(1000),
            layout=100,
            own_funds=Decimal(0),
            demolition_signed=True,
            zone="basin",
            land="farmland",
            homestead_area=Decimal(180),
        )
    )
    qtbot.wait(50)
    assert tab.calculator.result().compliant
    save(window, "housing-plan.png")

    tab.calculator.set_plan_input(
        PlanInput(
            people=4,
            start_date=dt.date(2017, 2, 20),
            unit_cost=Decimal(1200),
            built_area=Decimal(160),
            loan=Decimal(60000),
            demolition_signed=True,
        )
    )
    tab.calculator.set_choice("district_company", "辛街乡区扶投公司; 合同编号 2017-018")
    qtbot.wait(50)
    tab.calculator.results_area.ensureWidgetVisible(tab.calculator.co_investor_details)
    assert tab.calculator.result().options
    save(window, "housing-plan-co-ownership.png")


def test_screenshot_agreements_and_signing(qtbot, chinese, demo_store_at_a_fixed_path, draw_on_pad, monkeypatch):
    """The agreements tab with a signed agreement listed (AG-1), and the sign dialog with three signatures."""
    import dataclasses
    import datetime as dt
    from decimal import Decimal

    from PySide6.QtGui import QDesktopServices

    from xinjie_desktop.core.records import housing_plans
    from xinjie_desktop.core.rules.housing_plan import calculate
    from xinjie_desktop.qt.households.household_editor import AGREEMENTS_TAB
    from xinjie_desktop.qt.shell.app import create_main_window

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    store = demo_store_at_a_fixed_path
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.table.selectRow(3)
    household_id = window.selected_household()
    plan = dataclasses.replace(  # for the household's actual population; drafts the demolition agreement
        housing_plans.defaults_for(store, household_id), unit_cost=Decimal(1100), layout=100, demolition_signed=True
    )
    housing_plans.save(store, household_id, plan, calculate(plan, housing_plans.current()))
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    editor = window.editor()
    editor.tabs.setCurrentIndex(AGREEMENTS_TAB)
    tab = editor.agreements_tab
    tab.deadline_edit.set_value(dt.date.today() + dt.timedelta(days=180))
    assert len(tab.draft_missing()) == 3
    scan = Path(tempfile.gettempdir()) / "xinjie-screenshots" / "scan.jpg"
    scan.write_bytes(b"\xff\xd8 scan of the signed demolition agreement")
    tab.view.selectRow(1)
    assert tab.mark_signed_on_paper(scan, True, dt.date.today())
    tab.view.selectRow(0)

    # A handwriting-like scrawl for each signer (a few loops and a flourish), different per person.
    def scrawl(pad, seed: int):
        w, h = pad.width(), pad.height()
        strokes = []
        x = w * 0.12
        for part in range(3):
            points = []
            for i in range(14):
                t = i / 13
                points.append((x + t * w * 0.18, h * (0.55 + 0.22 * ((-1) ** (i + seed + part)) * (0.6 + 0.4 * t))))
            strokes.append(points)
            x += w * 0.22
        strokes.append([(w * 0.1, h * 0.78), (w * 0.4, h * 0.74), (w * 0.75, h * 0.7), (w * 0.88, h * 0.6)])
        draw_on_pad(pad, strokes)

    dialog = tab.make_sign_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.boxes["witness"].name_edit.setText("李四")
    if not dialog.boxes["representative"].name_edit.text():
        dialog.boxes["representative"].name_edit.setText("段志强")
    for seed, box in enumerate(dialog.boxes.values()):
        scrawl(box.pad, seed)
    assert dialog.ok_button.isEnabled()
    qtbot.wait(20)
    save(dialog, "sign-agreement.png")
    assert tab.apply_signatures(dialog)
    dialog.close()
    qtbot.wait(50)
    save(window, "agreements.png")


@pytest.fixture
def sync_world():
    """A township office and three village laptops with households, in a fixed folder (issue 5)."""
    from sync_world import World
    from xinjie_desktop.core.sync import bundle_format

    folder = Path(tempfile.gettempdir()) / "xinjie-sync-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    world = World(folder, laptops=3)
    for index, laptop in enumerate(world.laptops.values()):
        demo_data.add_households(laptop, 40 + 15 * index, seed=index + 1)
    for path in world.stick.glob("*" + bundle_format.SUFFIX):
        path.unlink()
    yield world
    world.close()


def test_screenshot_sync_windows(qtbot, chinese, sync_world, monkeypatch):
    """Export to USB on a village laptop; at the township office the import preview and report, the
    conflicts screen and the sync board (issue 5, "The window")."""
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog
    from sqlalchemy import text

    from builders import family_draft
    from xinjie_desktop.core.records import households
    from xinjie_desktop.core.sync import exporting
    from xinjie_desktop.qt.sync.conflicts_view import ConflictsDialog
    from xinjie_desktop.qt.sync.sync_board_view import SyncBoardDialog
    from xinjie_desktop.qt.sync.sync_export_dialog import SyncExportDialog
    from xinjie_desktop.qt.sync.sync_import_dialog import SyncImportDialog

    world = sync_world
    qingshan, lushui, baiyun = (world.laptop(i) for i in range(3))
    usb = world.folder / "U盘"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(usb))

    def group(store, village):
        with store.session() as session:
            return session.execute(
                text(
                    "SELECT villager_group.id FROM villager_group JOIN village ON village.id = villager_group.village_id "
                    "WHERE village.name = :v ORDER BY villager_group.name LIMIT 1"
                ),
                {"v": village},
            ).scalar()

    def change(store, household_id, **fields):
        with store.session() as session:
            draft = households.to_draft(households.load_household(session, household_id))
        for key, value in fields.items():
            setattr(draft, key, value)
        households.save(store, draft)

    # A household of 青山村 changed both at the township and on the laptop; one family registered twice.
    world.sync(qingshan)
    with qingshan.session() as session:
        household_id = session.execute(text("SELECT id FROM household ORDER BY list_key LIMIT 1")).scalar()
    change(world.township, household_id, phone="13887551023", address="青山村第一村民小组18号")
    change(qingshan, household_id, phone="13987550412")
    households.save(qingshan, family_draft(group(qingshan, "青山村")))
    households.save(lushui, family_draft(group(lushui, "绿水村")))

    def settle(dialog):
        qtbot.waitUntil(lambda: dialog.worker is None, timeout=30_000)

    # The village laptop writes its bundle.
    dialog = SyncExportDialog(qingshan)
    qtbot.addWidget(dialog)
    dialog.resize(900, 600)
    dialog.show()
    qtbot.waitExposed(dialog)
    settle(dialog)
    dialog.drive.choose_folder()
    dialog.start_export()
    settle(dialog)
    assert dialog.done_box.isVisible()
    qtbot.wait(20)
    save(dialog, "sync-export.png")
    dialog.close()

    # The other laptops too; a bundle for a laptop is on the stick; one copy was cut short.
    for laptop in (lushui, baiyun):
        exporting.export(laptop, usb)
    exporting.export(world.township, usb, full=False)
    damaged = max(usb.glob("*.xjb"), key=lambda p: p.stat().st_size)
    (usb / damaged.name.replace(".xjb", "-copy.xjb")).write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])

    dialog = SyncImportDialog(world.township)
    qtbot.addWidget(dialog)
    dialog.resize(1100, 680)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.drive.choose_folder()
    settle(dialog)
    assert dialog.import_button.isEnabled()
    qtbot.wait(20)
    save(dialog, "sync-import-preview.png")
    dialog.start_import()
    settle(dialog)
    assert dialog.reported
    dialog.table.selectRow(0)
    qtbot.wait(20)
    save(dialog, "sync-import-report.png")
    report = world.folder / "同步包导入报告.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(report), ""))
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    assert dialog.print_report() == report  # the printed report: look at it with a PDF viewer after a change
    dialog.close()

    dialog = ConflictsDialog(world.township)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 680)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.model.rowCount() >= 1
    qtbot.wait(20)
    save(dialog, "sync-conflicts.png")
    dialog.tabs.setCurrentIndex(1)
    qtbot.wait(20)
    save(dialog, "sync-duplicates.png")
    dialog.close()

    dialog = SyncBoardDialog(world.township)
    qtbot.addWidget(dialog)
    dialog.resize(1200, 360)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.model.rowCount() == 3
    qtbot.wait(20)
    save(dialog, "sync-board.png")


def test_screenshot_provisioning_windows(qtbot, chinese, monkeypatch):
    """Provisioning in the window (issues 5 and 13): the laptop writes its request at its first start, the
    township office writes the provisioning file from it (the laptop's fingerprint confirmed), the laptop
    accepts it (the township's fingerprint confirmed), then waits for the township office's first bundle."""
    from PySide6.QtWidgets import QFileDialog

    from xinjie_desktop.core.records import township
    from xinjie_desktop.core.sync import device
    from xinjie_desktop.qt.shell.app import create_main_window
    from xinjie_desktop.qt.shell.setup_dialog import SetupDialog
    from xinjie_desktop.qt.sync.provisioning import ProvisionLaptopDialog
    from xinjie_desktop.qt.sync.sync_export_dialog import SyncExportDialog

    folder = Path(tempfile.gettempdir()) / "xinjie-provisioning-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    usb = folder / "U盘"
    usb.mkdir(parents=True)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(usb))
    office = open_store(folder / "辛街乡指挥部.sqlite")
    laptop = open_store(folder / "青山村笔记本.sqlite")
    try:
        township.set_up(
            office,
            "辛街乡",
            "辛街乡易地扶贫搬迁指挥部",
            {
                "青山村": ["第一村民小组", "第二村民小组"],
                "绿水村": ["第一村民小组"],
                "白云村": ["第一村民小组"],
                "松林村": ["第一村民小组"],
            },
        )
        # The laptop's first start: its request, with its fingerprint for the officer.
        setup = SetupDialog(laptop)
        qtbot.addWidget(setup)
        setup.show()
        qtbot.waitExposed(setup)
        request = setup.request_provisioning()
        qtbot.waitExposed(request)
        request.name_edit.setText("青山村笔记本")
        request.drive.choose_folder()
        asked = request.write()
        assert asked is not None
        request.resize(780, request.sizeHint().height())
        qtbot.wait(20)
        save(request, "request-provisioning.png")

        earlier = open_store(folder / "白云村笔记本.sqlite")  # an earlier laptop, for the list
        earlier_request = device.write_request(earlier, folder / "earlier-request.json", "白云村笔记本")
        earlier.close()
        dialog = ProvisionLaptopDialog(office)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.load_request(folder / "earlier-request.json")
        assert dialog.request_fingerprint.text() == earlier_request.fingerprint
        dialog.confirm_laptop.setChecked(True)
        dialog.village_list.item(0).setCheckState(Qt.CheckState.Checked)
        dialog.drive.choose_folder()
        assert dialog.write() is not None
        assert dialog.load_request(asked)
        dialog.confirm_laptop.setChecked(True)
        dialog.name_edit.setText("青山村笔记本")
        for row in range(dialog.village_list.count()):
            item = dialog.village_list.item(row)
            item.setCheckState(
                Qt.CheckState.Checked if item.text() in ("青山村", "绿水村") else Qt.CheckState.Unchecked
            )
        written = dialog.write()
        assert written is not None
        dialog.resize(820, dialog.sizeHint().height())
        qtbot.wait(20)
        save(dialog, "provision-laptop.png")
        dialog.close()

        # Back on the laptop: the provisioning file, the township's fingerprint confirmed.
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(written), ""))
        accept = request.choose_certificate()
        qtbot.waitExposed(accept)
        accept.confirm_township.setChecked(True)
        accept.resize(760, accept.sizeHint().height())
        qtbot.wait(20)
        save(accept, "accept-provisioning.png")
        accept.accept_file()
        assert device.provisioning(laptop) is not None

        export = SyncExportDialog(laptop)  # the first bundle: it introduces the laptop
        qtbot.addWidget(export)
        export.resize(900, 600)
        export.show()
        qtbot.waitExposed(export)
        qtbot.waitUntil(lambda: export.worker is None, timeout=30_000)
        export.drive.choose_folder()
        export.start_export()
        qtbot.waitUntil(lambda: export.worker is None, timeout=30_000)
        assert export.done_box.isVisible()
        qtbot.wait(20)
        save(export, "laptop-first-bundle.png")
        export.close()

        window = create_main_window(laptop)
        qtbot.addWidget(window)
        window.resize(*SIZE)
        window.show()
        qtbot.waitExposed(window)
        window.awaiting_page.first_bundle_written(export.results)
        qtbot.wait(50)
        save(window, "laptop-awaiting-villages.png")
        window.close()
    finally:
        laptop.close()
        office.close()
