"""The one-page A4 summary of a household's housing plan (issue 3), checked with poppler-utils.

Each PDF must be one page, embed only the shipped WenQuanYi font, and carry its text extractably:
the head's name, the masked ID number, the amounts and the parameters version.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from decimal import Decimal

from xinjie_desktop.core.documents.fonts import FONT_NAME, document_font
from xinjie_desktop.core.documents.plan_summary import PlanHousehold, render_plan_summary
from xinjie_desktop.core.rules.housing_plan import PlanInput, calculate
from xinjie_desktop.core.rules.idnumber import FEMALE, MALE, make, mask
from xinjie_desktop.i18n import set_language

PRINTED = dt.date(2017, 4, 20)


def household(name: str, people: int, sequence: int, sex: str = MALE) -> PlanHousehold:
    return PlanHousehold(
        head_name=name,
        id_number=make("530502", dt.date(1966, 4, 12), sequence, sex),
        village="辛街村",
        group="第三村民小组",
        actual_population=people,
    )


def render(tmp_path, name: str, family: PlanHousehold, plan: PlanInput, params):
    result = calculate(plan, params)
    path = tmp_path / f"{name}.pdf"
    render_plan_summary(path, family, plan, result, "辛街乡", PRINTED)
    return path, result


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def fonts(path) -> list[tuple[str, str]]:
    """(name, embedded yes/no) of every font pdffonts lists."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type encoding emb sub uni object ID: emb is 5th from the end
        rows.append((parts[0], parts[-5]))
    return rows


def text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def flat_text(path) -> str:
    """The text in drawing order with all white space gone: a wrapped paragraph reads as one string."""
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", raw)


def assert_one_page_with_embedded_font(path) -> None:
    assert pages(path) == 1
    listed = fonts(path)
    assert listed, "pdffonts lists no font"
    for name, embedded in listed:
        assert embedded == "yes", listed
        assert "wenquanyi" in name.lower() or "wqy" in name.lower(), listed


def test_compliant_four_person_plan(tmp_path, params):
    """HS-2, HS-3, SB-1, LN-1, HB-1: a 4-person registered household, 100 m² at 1,100 yuan/m² started after the
    key date; subsidy 4 × 20,000 = 80,000, reward 24,000, own funds 6,000 within the 10,000 limit."""
    family = household("杨明", 4, 11)
    plan = PlanInput(
        people=4,
        start_date=dt.date(2017, 5, 1),
        unit_cost=Decimal(1100),
        own_funds=Decimal(6000),
        demolition_signed=True,
        zone="basin",
        land="farmland",
        homestead_area=Decimal(180),
    )
    path, result = render(tmp_path, "new", family, plan, params)
    assert result.compliant and not result.options
    assert_one_page_with_embedded_font(path)
    content = text(path)
    for expected in (
        "杨明",
        mask(family.id_number),
        "80,000.00",
        "24,000.00",
        "110,000.00",
        "6,000.00",
        "10,000.00",
        result.parameters_version,
        "辛街村",
        "第三村民小组",
        "辛街乡",
        "The plan complies with the policy.",
        "HB-1",
        "150 m² / 30 m²",
    ):
        assert expected in content, expected
    assert family.id_number not in content  # only the masked number is printed


def test_rectification_with_three_options(tmp_path, params):
    """HS-1, HS-4 (2), LN-1: 3 people in 120 m² built from 2016-10-01 at 1,200 yuan/m² with a 60,000 loan drawn;
    every reason and all three co-ownership options, with the plan's conditions, fit on one page."""
    family = household("李国华", 3, 21)
    plan = PlanInput(
        people=3,
        built_area=Decimal(120),
        start_date=dt.date(2016, 10, 1),
        loan=Decimal(60000),
        unit_cost=Decimal(1200),
        demolition_signed=True,
    )
    path, result = render(tmp_path, "rectification", family, plan, params)
    assert len(result.options) == 3 and not result.compliant
    assert_one_page_with_embedded_font(path)
    content = text(path)
    flat = flat_text(path)
    for expected in (
        "李国华",
        mask(family.id_number),
        "144,000.00",
        "60,000.00",
        "66,000.00",
        "56,000.00",
        result.parameters_version,
        "2016-10-01",
        "HS-4",
    ):
        assert expected in content, expected
    for option in result.options:
        assert re.sub(r"\s+", "", option.label) in flat
        assert format_share(option.investor_share) in content
        assert re.sub(r"\s+", "", option.conditions) in flat  # the plan's words, wrapped but all there
    for reason in result.reasons:
        assert re.sub(r"\s+", "", reason) in flat, reason


def format_share(share: Decimal) -> str:
    return f"{share}%"


def test_elderly_home_case(tmp_path, params):
    """HS-4 (1): two people without labour capacity go to the happiness home or the home for the elderly; SB-1
    subsidy 2 × 20,000 = 40,000; the plan's own words are quoted."""
    family = household("张秀英", 2, 31, FEMALE)
    plan = PlanInput(people=2, labour=False)
    path, result = render(tmp_path, "elderly", family, plan, params)
    assert result.elderly_home
    assert_one_page_with_embedded_font(path)
    content = text(path)
    flat = flat_text(path)
    for expected in ("张秀英", mask(family.id_number), "40,000.00", result.parameters_version):
        assert expected in content, expected
    assert "happinesshome" in flat
    assert "幸福院" in flat  # the plan's words (HS-4-1) are quoted in Chinese


def test_worst_case_still_fits_one_page(tmp_path, params):
    """HS-2, HS-3, HS-4, LN-1, HB-1: six reasons, three options with others paying, a long village name and a
    homestead with garden — still one page, still only the embedded font."""
    family = PlanHousehold(
        "欧阳晓明明",
        make("530502", dt.date(1958, 2, 3), 41, MALE),
        "辛街乡大坪子村民委员会" * 2,
        "第十二村民小组（上寨）",
        3,
    )
    plan = PlanInput(
        people=3,
        built_area=Decimal(160),
        start_date=dt.date(2016, 10, 1),
        loan=Decimal(80000),
        unit_cost=Decimal(1500),
        own_funds=Decimal(20000),
        demolition_signed=True,
        zone="mountain",
        land="farmland",
        homestead_area=Decimal(230),
    )
    path, result = render(tmp_path, "worst", family, plan, params)
    assert len(result.reasons) >= 6 and len(result.options) == 3
    assert_one_page_with_embedded_font(path)
    assert "欧阳晓明明" in text(path)


def test_chinese_interface_renders_with_the_embedded_font(tmp_path, params):
    """HS-4 (2) in the default language: Chinese labels (as far as the catalogue has them) on one page."""
    set_language("zh_CN")
    family = household("李国华", 3, 21)
    plan = PlanInput(
        people=3,
        built_area=Decimal(120),
        start_date=dt.date(2016, 10, 1),
        loan=Decimal(60000),
        unit_cost=Decimal(1200),
        demolition_signed=True,
    )
    path, _result = render(tmp_path, "zh", family, plan, params)
    assert_one_page_with_embedded_font(path)
    assert "李国华" in text(path)


def test_renders_into_a_file_object(params):
    """The window saves through a file dialog or streams: a binary file object works as a path does."""
    plan = PlanInput(people=3, start_date=dt.date(2017, 5, 1), unit_cost=Decimal(1200))
    buffer = io.BytesIO()
    render_plan_summary(buffer, household("王芳", 3, 51, FEMALE), plan, calculate(plan, params), "辛街乡", PRINTED)
    assert buffer.getvalue().startswith(b"%PDF")


def test_the_font_is_registered_once():
    assert document_font() == document_font() == FONT_NAME
