"""Issue 16, "the command line as the README shows it" (found by the new-user trial of a whole day): the township
office writes one bundle for each laptop onto the same stick, and a laptop imports the stick as the README
shows it, ``./run bundle import --db laptop.sqlite /media/usb/*.xjb``.  The bundles written for the other laptops
are left on the stick and named, as the window's import does; they no longer stop the laptop's own import
(exit code 2, "nothing was changed").  A bundle for another computer given alone is refused as before."""

from __future__ import annotations

from sqlalchemy import text

from sync_world import World, file_state
from xinjie_desktop.core.records import demo_data
from xinjie_desktop.core.sync import exporting
from xinjie_desktop.core.sync.workstore import open_store
from xinjie_desktop.main import main


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--lang", "en", *argv])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def households(path) -> int:
    store = open_store(path)
    try:
        with store.session() as session:
            return session.execute(text("SELECT count(*) FROM household")).scalar()
    finally:
        store.close()


def test_a_laptop_imports_its_own_bundle_from_a_stick_holding_every_laptops_and_leaves_the_others(tmp_path, capsys):
    world = World(tmp_path, laptops=2)
    qingshan, lushui = world.laptop(0), world.laptop(1)
    demo_data.add_households(qingshan, 3, seed=5)  # Qingshan's work reaches the township ...
    world.import_into(world.township, world.export(qingshan))
    for stale in world.stick.glob("*.xjb"):
        stale.unlink()
    written = exporting.export(world.township, world.stick)  # ... which writes one bundle for each laptop
    stick = [result.path for result in written]
    (for_qingshan,) = [result.path for result in written if result.peer.device_id == qingshan.device_id]
    (for_lushui,) = [result.path for result in written if result.peer.device_id == lushui.device_id]
    lushui_path = lushui.path
    world.close()

    before = file_state(lushui_path)
    code, out, err = cli(capsys, "bundle", "import", "--db", str(lushui_path), *sorted(map(str, stick)))
    assert code == 0, err
    assert f"{for_qingshan.name}: written for another computer, left on the stick." in out
    assert f"{for_lushui.name} from 辛街乡" in out and "Traceback" not in err
    assert households(lushui_path) == 0, "Qingshan's households are not Lushui's to hold"
    assert file_state(lushui_path) != before, "its own bundle was imported"
    assert for_qingshan.exists(), "the other laptop's bundle stays on the stick"

    # Given alone, a bundle for another computer is refused with its reason, and nothing is changed.
    before = file_state(lushui_path)
    code, out, err = cli(capsys, "bundle", "import", "--db", str(lushui_path), str(for_qingshan))
    assert code == 2 and "was written for another computer" in err
    assert file_state(lushui_path) == before
