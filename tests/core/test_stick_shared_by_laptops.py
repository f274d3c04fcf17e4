"""Issue 16, "the command line as the README shows it" (found by the new-user trial of a whole day): the township
office writes one bundle for each laptop onto the same stick, and a laptop imports the stick as the README
shows it, ``./run bundle import --db laptop.sqlite /media/usb/*.xjb``.  The bundles written for the other laptops
are left on the stick and named, as the window's import does; they no longer stop the laptop's own import
(exit code 2, "nothing was changed").  A bundle for another computer given alone is refused as before."""

from __future__ import annotations

from sqlalchemy import text

from command_line import cli
from sync_world import World, file_state
from xinjie_desktop.core.records import demo_data
from xinjie_desktop.core.sync import exporting
from xinjie_desktop.core.sync.workstore import open_store


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


def test_a_refused_bundles_reason_comes_after_what_was_done_before_it_in_one_stream_or_two(tmp_path):
    """Issue 16 (the trial: ``bundle import`` lines mixed with its errors).  The rule of the whole command line:
    what was done on stdout, what was refused on stderr, each line written out as it is printed; stdout used to be
    held back whole when it was not a terminal, so ``./run bundle import … 2>&1 | tee`` showed a refusal before the
    lines of what had been done.  A stick with a bundle for another computer, a laptop's bundle and another
    laptop's damaged one, imported at the township with ``--keep-going`` (a real process, both streams into one
    pipe, without PYTHONUNBUFFERED): the bundle left on the stick, the bundle imported, then the refusal."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    world = World(tmp_path, laptops=2)
    qingshan, lushui = world.laptop(0), world.laptop(1)
    for stale in world.stick.glob("*.xjb"):
        stale.unlink()
    demo_data.add_households(qingshan, 2, seed=5)
    (good,) = world.export(qingshan)
    (damaged,) = world.export(lushui)
    for_laptops = world.export(world.township)  # the township's own bundles, for the laptops: left on the stick
    town = world.township.path
    world.close()
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    stick = sorted(map(str, world.stick.glob("*.xjb")))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    command = [sys.executable, "-m", "xinjie_desktop", "--lang", "en", "bundle", "import", "--db", str(town)]

    merged = subprocess.run(
        [*command, "--keep-going", *stick], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120
    )
    assert merged.returncode == 2
    lines = merged.stdout.decode("utf-8").splitlines()
    left = [i for i, line in enumerate(lines) if "written for another computer, left on the stick." in line]
    (imported,) = [i for i, line in enumerate(lines) if line.startswith(f"{good.name} from ")]
    (refused,) = [i for i, line in enumerate(lines) if damaged.name in line]
    assert len(left) == len(for_laptops) and max(left) < imported < refused, lines
    assert "changed or damaged" in lines[refused] and "Traceback" not in merged.stdout.decode("utf-8")

    apart = subprocess.run([*command, "--keep-going", *stick], env=env, capture_output=True, text=True, timeout=120)
    assert apart.returncode == 2
    assert f"{good.name}: already imported on " in apart.stdout and damaged.name not in apart.stdout
    assert apart.stderr.count("\n") == 1 and damaged.name in apart.stderr


def test_a_bundle_refused_half_way_through_a_stick_comes_after_the_bundles_imported_before_it(tmp_path, capsys):
    """Issue 16 (the trial's mixed lines): without ``--keep-going`` the import stops at a bundle it cannot merge
    (AG-1: one agreement number given on two computers), after the bundles before it are committed.  Those were
    not said at all, only the refusal; now the lines of what was imported come first, then the refusal, exit 2."""
    from sync_world import agreement_numbered_on_two_computers

    world = World(tmp_path, laptops=2)
    _household, number = agreement_numbered_on_two_computers(world)
    for stale in world.stick.glob("*.xjb"):
        stale.unlink()
    (numbered_twice,) = world.export(world.laptop(0))
    lushui = world.laptop(1)
    demo_data.add_households(lushui, 2, seed=3)
    (good,) = world.export(lushui)
    town = world.township.path
    world.close()

    code, out, err = cli(capsys, "bundle", "import", "--db", str(town), str(good), str(numbered_twice))
    assert code == 2
    (said,) = out.splitlines()
    assert said.startswith(f"{good.name} from 绿水村笔记本: ") and said.endswith("0 conflicts, 0 possible duplicates.")
    assert f"agreement number {number}" in err and "Traceback" not in err
    assert households(town) == 3, "the good bundle's two households were kept (and the township's one)"
