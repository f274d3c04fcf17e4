"""Public notices (公示表): PN-1 (at least 7 days, objections re-verified, second posting after the
audit) and RL-3 (the relocation verification result posted), with the printed sheet checked through
poppler-utils: ID numbers masked to the first 6 and last 4 digits, embedded font only."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from builders import family_draft, renumber
from xinjie_desktop.core.documents.fonts import FONT_NAME
from xinjie_desktop.core.records import households, public_notice, relocation
from xinjie_desktop.core.records.public_notice import EntryInput, NoticeError
from xinjie_desktop.core.rules import identification
from xinjie_desktop.core.rules.relocation import VerificationDraft
from xinjie_desktop.core.store.models import Household, PublicNotice, Village
from xinjie_desktop.i18n import set_language

START = dt.date(2017, 4, 14)
END = dt.date(2017, 4, 21)
PLACE = "辛街村委会公示栏、第一村民小组活动室"
CONTACT = "辛街村委会 杨书记 0875-1234567；乡易地扶贫搬迁指挥部 0875-7654321"


def village_of(store, household_id):
    with store.session() as session:
        household = session.get(Household, household_id)
        return household.village_id, household.group_id, household.head_id_number


@pytest.fixture
def household_id(store, group_id):
    return households.save(store, family_draft(group_id))


def notice(store, household_id, *, start=START, end=END, subject="identification", **changes):
    village_id, group_id, _number = village_of(store, household_id)
    arguments = {
        "village_id": village_id,
        "group_id": group_id,
        "subject": subject,
        "households": [household_id],
        "place": PLACE,
        "start_date": start,
        "end_date": end,
        "objection_contact": CONTACT,
    }
    arguments.update(changes)
    return public_notice.create_notice(store, **arguments)


def text_of(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def test_PN_1_notice_shorter_than_seven_days_is_refused(store, household_id):
    """PN-1: posted for at least 7 full days: 04-14 to 04-20 is refused, 04-14 to 04-21 accepted."""
    with pytest.raises(NoticeError, match="2017-04-21"):
        notice(store, household_id, end=dt.date(2017, 4, 20))
    notice_id = notice(store, household_id, end=dt.date(2017, 4, 21))
    view = public_notice.get_notice(store, notice_id)
    assert view.days == 7 and view.posting_round == 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"place": "  "}, "where the notice is posted"),
        ({"objection_contact": ""}, "to whom objections"),
        ({"households": []}, "at least one household"),
        ({"subject": "gossip"}, "identification or relocation"),
    ],
)
def test_PN_1_place_contact_and_households_are_required(store, household_id, changes, message):
    with pytest.raises(NoticeError, match=message):
        notice(store, household_id, **changes)


def test_PN_1_identification_result_is_worked_out_with_its_reason(store, household_id):
    """PN-1: results are posted objective and with reasons (ID-1 income below the line)."""
    view = public_notice.get_notice(store, notice(store, household_id))
    entry = view.entries[0]
    assert entry.result == "proposed for identification"
    assert "3,049.99" in entry.reason and "3,050.00" in entry.reason
    assert entry.head_name == "杨明" and entry.actual_population == 4 and entry.group == "G1"


def test_PN_1_omission_and_rejection_are_posted_with_their_reasons(store, group_id, params):
    omitted = households.save(store, family_draft(group_id))
    households.record_step(
        store,
        omitted,
        identification.StepInput(
            "proposed",
            START - dt.timedelta(days=5),
            "村委会",
            notes="因病致贫",
            is_omission=True,
            omission_reason="2014年识别时外出务工未入户",
        ),
    )
    rejected = households.save(store, renumber(family_draft(group_id), 40))
    households.record_step(
        store,
        rejected,
        identification.StepInput("proposed", START - dt.timedelta(days=5), "村委会", notes="住房困难", passed=False),
    )
    view = public_notice.get_notice(store, notice(store, omitted, households=[omitted, rejected]))
    by_id = {e.household_id: e for e in view.entries}
    assert by_id[omitted].result == "proposed for identification (omission)"
    assert "2014年识别时外出务工未入户" in by_id[omitted].reason
    assert by_id[rejected].result == "not identified" and "住房困难" in by_id[rejected].reason


def test_RL_3_relocation_result_in_scope_or_excluded_with_reason(store, group_id, params):
    """RL-3: the relocation verification result is posted: in scope with the area category, or
    taken out with the reason."""
    inside = households.save(store, family_draft(group_id))
    outside = households.save(store, renumber(family_draft(group_id), 40))
    relocation.save(
        store,
        inside,
        VerificationDraft(
            in_scope=True, area_category="geohazard", area_reason="村后山体滑坡隐患点", mode="centralised"
        ),
        "registered",
    )
    relocation.save(
        store,
        outside,
        VerificationDraft(exclusion="original_site_rebuild", exclusion_reason="已原址拆除重建"),
        "registered",
    )
    unverified = households.save(store, renumber(family_draft(group_id), 60))
    with pytest.raises(NoticeError, match="relocation verification has not been recorded"):
        notice(store, inside, subject="relocation", households=[inside, unverified])
    view = public_notice.get_notice(store, notice(store, inside, subject="relocation", households=[inside, outside]))
    by_id = {e.household_id: e for e in view.entries}
    area = next(a for a in params.relocation_areas if a.code == "geohazard")
    assert by_id[inside].result == "in relocation scope"
    assert area.en in by_id[inside].reason and "村后山体滑坡隐患点" in by_id[inside].reason
    assert by_id[outside].result == "taken out of relocation scope" and "已原址拆除重建" in by_id[outside].reason


def test_PN_1_given_results_and_households_of_another_village(store, household_id):
    with pytest.raises(NoticeError, match="reason"):
        notice(store, household_id, households=[EntryInput(household_id, "拟纳入", "")])
    notice_id = notice(store, household_id, households=[(household_id, "拟纳入建档立卡", "人均纯收入低于标准")])
    assert public_notice.get_notice(store, notice_id).entries[0].result == "拟纳入建档立卡"
    with store.session() as session:
        other_village = next(v.id for v in session.query(Village) if v.name == "V2")
    with pytest.raises(NoticeError, match="does not live"):
        notice(store, household_id, village_id=other_village, group_id=None)


def test_PN_1_objection_outside_the_posting_period_is_refused(store, household_id):
    """PN-1: objections are raised while the notice is posted (04-14 to 04-21 inclusive)."""
    notice_id = notice(store, household_id)
    for day in (dt.date(2017, 4, 13), dt.date(2017, 4, 22)):
        with pytest.raises(NoticeError, match="while the notice is posted"):
            public_notice.record_objection(store, notice_id, household_id, day, "李四", "该户在城里有商品房")
    for day in (START, END):
        public_notice.record_objection(store, notice_id, household_id, day, "李四", "该户在城里有商品房")
    with pytest.raises(NoticeError, match="what the objection says"):
        public_notice.record_objection(store, notice_id, None, START, "李四", "  ")
    assert len(public_notice.get_notice(store, notice_id).objections) == 2


def test_PN_1_second_posting_only_after_every_objection_is_reverified(store, household_id):
    """PN-1: the township audit's result is posted again for at least 7 days, once the first posting
    has ended and every objection has been re-verified."""
    notice_id = notice(store, household_id)
    objection = public_notice.record_objection(
        store, notice_id, household_id, dt.date(2017, 4, 16), "李四", "该户在城里有商品房"
    )
    audited = dt.date(2017, 4, 24)

    def post(start=dt.date(2017, 4, 25), end=dt.date(2017, 5, 2), on=audited):
        return public_notice.second_posting(store, notice_id, on, start, end, PLACE, CONTACT)

    with pytest.raises(NoticeError, match="1 objection"):
        post()
    public_notice.reverify(store, objection, "入户复核：商品房系其子已分家所购，维持识别结果", dt.date(2017, 4, 23))
    with pytest.raises(NoticeError, match="already re-verified"):
        public_notice.reverify(store, objection, "again", dt.date(2017, 4, 23))
    with pytest.raises(NoticeError, match="after the first posting ends"):
        post(on=dt.date(2017, 4, 20), start=dt.date(2017, 4, 20), end=dt.date(2017, 4, 27))
    with pytest.raises(NoticeError, match="2017-05-02"):
        post(end=dt.date(2017, 5, 1))
    view = public_notice.get_notice(store, notice_id)
    assert public_notice.second_posting_allowed(view, audited)
    second = post()
    second_view = public_notice.get_notice(store, second)
    assert second_view.posting_round == 2 and second_view.previous_id == notice_id
    assert second_view.audited_on == audited and second_view.entries == view.entries
    with pytest.raises(NoticeError, match="already been posted"):
        post()
    with pytest.raises(NoticeError, match="already the second posting"):
        public_notice.second_posting(
            store, second, dt.date(2017, 5, 3), dt.date(2017, 5, 3), dt.date(2017, 5, 10), PLACE, CONTACT
        )
    assert [v.posting_round for v in public_notice.list_notices(store, view.village_id)] == [1, 2]


def test_PN_1_second_posting_may_carry_a_changed_result(store, household_id):
    notice_id = notice(store, household_id)
    second = public_notice.second_posting(
        store,
        notice_id,
        END,
        END,
        END + dt.timedelta(days=7),
        PLACE,
        CONTACT,
        results=[(household_id, "不予识别", "复核：家庭有财政供养人员")],
    )
    entry = public_notice.get_notice(store, second).entries[0]
    assert (entry.result, entry.reason) == ("不予识别", "复核：家庭有财政供养人员")


def test_PN_1_sheet_masks_id_numbers_and_embeds_only_the_shipped_font(store, household_id, tmp_path):
    """PN-1 sheet: ID numbers show only the first 6 and last 4 digits (530502********1234 form)."""
    _village, _group, number = village_of(store, household_id)
    notice_id = notice(store, household_id)
    with store.session() as session:
        assert number not in session.get(PublicNotice, notice_id).entries  # never stored in full either
    path = tmp_path / "notice.pdf"
    public_notice.render_notice_sheet(store, notice_id, path)
    text = text_of(path)
    assert number not in text and number[6:14] not in text
    assert f"{number[:6]}{'*' * 8}{number[-4:]}" in text
    assert re.search(r"530502\*{8}\d{3}[\dX]", text)
    assert "杨明" in text and PLACE[:6] in text and "2017-04-14" in text and "2017-04-21" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(FONT_NAME in row and " yes " in row for row in rows)


def test_PN_1_many_households_paginate_with_the_header_repeated(store, group_id, tmp_path):
    ids = [households.save(store, renumber(family_draft(group_id), 10 + 4 * i)) for i in range(24)]
    village_id, group, _number = village_of(store, ids[0])
    notice_id = public_notice.create_notice(store, village_id, group, "identification", ids, PLACE, START, END, CONTACT)
    path = tmp_path / "long.pdf"
    public_notice.render_notice_sheet(store, notice_id, path)
    count = pages(path)
    assert count >= 2
    for page in range(1, count + 1):
        page_text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert f"Page {page} of {count}" in page_text
        if "530502" in page_text:  # a page of the table repeats its header
            assert "ID number" in page_text and "Reason" in page_text
    assert text_of(path).count("杨明") == 24


def test_PN_1_chinese_sheet(store, household_id, tmp_path):
    set_language("zh_CN")
    notice_id = notice(store, household_id)
    path = tmp_path / "zh.pdf"
    public_notice.render_notice_sheet(store, notice_id, path)
    text = text_of(path)
    assert "杨明" in text and "辛街村委会" in text


def test_PN_1_village_sheets_in_one_pdf_cancellable_without_partial_file(store, group_id, tmp_path):
    first = households.save(store, family_draft(group_id))
    second = households.save(store, renumber(family_draft(group_id), 40))
    notice(store, first)
    notice(store, second, start=dt.date(2017, 4, 15), end=dt.date(2017, 4, 22))
    village_id = village_of(store, first)[0]
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "village.pdf"
    calls = []
    assert (
        public_notice.render_village_notices(
            store, village_id, out, lambda done, total: calls.append((done, total)) or done < 1
        )
        is False
    )
    assert not out.exists() and list(folder.iterdir()) == []
    calls.clear()
    assert public_notice.render_village_notices(
        store, village_id, out, lambda done, total: calls.append((done, total)) or True
    )
    assert calls == [(0, 2), (1, 2), (2, 2)]
    assert pages(out) == 2 and list(folder.iterdir()) == [out]
    with store.session() as session:
        other = next(v.id for v in session.query(Village) if v.name == "V2")
    with pytest.raises(NoticeError, match="no public notice"):
        public_notice.render_village_notices(store, other, tmp_path / "none.pdf")
