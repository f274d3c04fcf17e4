"""The built application's self-test of sync (issue 6): provision a laptop, exchange bundles both ways,
import one twice.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from xinjie_desktop.core.sync import device
from xinjie_desktop.core.sync.exporting import export
from xinjie_desktop.core.sync.importing import import_bundles
from xinjie_desktop.i18n import _


def self_test_round_trip(work_dir: Path | str) -> str:
    """Provision a laptop, exchange bundles both ways, import one twice: raises on any failure."""
    from xinjie_desktop.core.records import demo_data, township
    from xinjie_desktop.core.sync.workstore import open_store

    work_dir = Path(work_dir)
    stick = work_dir / "stick"
    stick.mkdir(parents=True, exist_ok=True)
    town = open_store(work_dir / "township.sqlite")
    laptop = open_store(work_dir / "laptop.sqlite")
    try:
        township.set_up(town, "自检乡", "自检指挥部", {"自检村": ["第1村民小组"]})
        with town.session() as session:
            village = session.execute(text("SELECT id FROM village")).scalar_one()
        # The request, and the certificate made from it, each with the other side's fingerprint confirmed.
        asked = device.write_request(laptop, stick / "request.json", "自检笔记本")
        device.provision(
            town,
            "",
            [village],
            stick / "provisioning.json",
            request=stick / "request.json",
            fingerprint=asked.fingerprint,
        )
        device.accept_provisioning(
            laptop, stick / "provisioning.json", township_fingerprint=device.identity(town).fingerprint
        )
        hello = export(laptop, stick)
        import_bundles(town, [r.path for r in hello])
        import_bundles(laptop, [r.path for r in export(town, stick)])
        demo_data.add_households(laptop, 1, seed=1)
        sent = export(laptop, stick)
        first = import_bundles(town, [r.path for r in sent])
        again = import_bundles(town, [r.path for r in sent])
        arrived = first[0].outcome
        if again[0].already is None or arrived is None or not arrived.new.get("household"):
            raise AssertionError("the household did not arrive once")
        return _("bundle written, verified and imported ({n} records); imported again: nothing changed").format(
            n=arrived.applied
        )
    finally:
        town.close()
        laptop.close()
