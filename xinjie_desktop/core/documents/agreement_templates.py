"""The agreement templates (resources/templates/agreements/*.toml), read and checked when loaded.

One file per kind of agreement (AG-1: relocation, demolition, employment; HS-4: co_ownership) and
``common.toml`` for the words around every agreement (number, check code, signature boxes).  Each
file holds one table per interface language with the sections the renderer needs.  A template is
refused when loaded, with the file and line at fault, if it names a placeholder the agreement
does not fill, lacks a section, or says it is of another kind than its file name: a cadre can
edit the wording without touching code, and a slip shows at once rather than on a printed page.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from xinjie_desktop.i18n import _
from xinjie_desktop.resources import templates_dir

KINDS = ("relocation", "demolition", "employment", "co_ownership", "dangerous_house")
LANGUAGES = ("zh_CN", "en")
SECTIONS = ("title", "parties", "preamble", "clauses", "closing")

# Placeholders every agreement fills, and those only one kind fills.
COMMON_FIELDS = frozenset(
    {
        "command_centre",
        "representative",
        "township",
        "village",
        "group",
        "address",
        "head_name",
        "head_id_number",
        "members",
        "actual_population",
        "household_kind",
        "parameters_version",
        "layout_m2",
        "area_m2",
        "per_capita_m2",
        "building_cost",
        "subsidy",
        "reward",
        "subsidy_and_reward",
        "own_funds",
        "own_funds_limit",
        "loan_taken_over",
        "drafted_on",
        # worded when printed: the layout (or a house already built), and the limits and key date of
        # the agreement's policy-parameter version, so that no template types a figure the file holds
        "layout",
        "per_capita_limit",
        "max_area_limit",
        "key_date",
    }
)
KIND_FIELDS = {
    # worded when printed (common.toml), so that no sentence states a reward of 0.00, a cap that does not
    # apply, or a commitment of 0 workers: reward_clause and money_limit, reward_terms, workers_commitment
    "relocation": frozenset({"reward_clause", "money_limit"}),
    "demolition": frozenset({"demolition_deadline", "reward_terms"}),
    "employment": frozenset(
        {"employment_workers", "employment_training", "employment_placement", "exit_target", "workers_commitment"}
    ),
    "co_ownership": frozenset(
        {
            "co_investor",
            "co_option",
            "investor_pays",
            "household_pays",
            "others_pay",
            "investor_share",
            "household_share",
            "buy_back_price",
            "conditions",
        }
    ),
    "dangerous_house": frozenset({"grade", "appraiser", "appraised_on", "dangerous_subsidy", "conditions"}),
}
# common.toml: each key and the placeholders it may use.
COMMON_KEYS = {
    "number": {"number"},
    "version_line": {"version"},
    "hash": {"sha256"},
    "check": set(),
    "page": {"page"},
    "member": {"name", "relation"},
    "member_separator": set(),
    "empty": set(),
    "date_format": {"year", "month", "day"},
    "blank_date": set(),
    "representative": set(),
    "household_head": set(),
    "witness": set(),
    "co_investor": set(),
    "signed_on": {"date"},
    "signed_on_paper": {"date"},
    "fingerprint": set(),
    "voided": {"date", "reason", "version"},
    "layout": {"area"},
    "no_layout": set(),
    "void_stamp": set(),
    "void_mark": {"date", "reason"},
    "supersedes": {"version", "number"},
    # the relocation agreement's money (SB-1, SB-2, HS-3): the reward only when there is one; a registered
    # household's total within the cap, a synchronised household's fixed amounts whatever the cost
    "reward_added": {"reward"},
    "total_within_cost": {"subsidy_and_reward"},
    "subsidy_within_cost": set(),
    "total_per_household": {"subsidy_and_reward"},
    "subsidy_per_household": set(),
    # the demolition agreement's reward, or why none is paid (the HS-3 cap took it)
    "reward_on_demolition": {"reward", "household_kind", "parameters_version"},
    "reward_taken_by_cap": {"household_kind", "parameters_version"},
    # the employment agreement: at least n members take up work, or plainly none can
    "workers_commitment": {"employment_workers"},
    "no_workers": set(),
    # the office's copy only (never the household's): its marking, the rules, the verification command
    "office_mark": set(),
    "office_rules": {"rules"},
    "office_check": {"number"},
}


class TemplateError(ValueError):
    """A template file that cannot be used; ``str()`` names the file and line."""


@dataclass(frozen=True)
class AgreementTemplate:
    kind: str
    version: str
    language: str
    title: str
    parties: tuple[str, ...]
    preamble: str
    clauses: tuple[str, ...]
    closing: str
    defaults: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateSet:
    directory: Path
    templates: dict[tuple[str, str], AgreementTemplate]
    common: dict[str, dict[str, str]]

    def get(self, kind: str, language: str) -> AgreementTemplate:
        return self.templates[(kind, language if language in LANGUAGES else "en")]

    def words(self, language: str) -> dict[str, str]:
        return self.common[language if language in LANGUAGES else "en"]

    def version(self, kind: str) -> str:
        return self.templates[(kind, LANGUAGES[0])].version


def fields_of(kind: str) -> frozenset[str]:
    return COMMON_FIELDS | KIND_FIELDS[kind]


class _File:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise TemplateError(
                _("Template file {file} cannot be read: {error}").format(file=path.name, error=error.strerror)
            ) from None
        self.lines = text.splitlines()
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise TemplateError(
                _("Template file {file} cannot be read: {error}").format(file=path.name, error=error)
            ) from None

    def line_of(self, table: str | None, needle: str) -> int:
        """The first line inside ``[table]`` (or the top) that contains ``needle``; else the table's header."""
        header_line, inside = None, table is None
        for number, line in enumerate(self.lines, start=1):
            header = re.fullmatch(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?", line)
            if header:
                name = header.group(1)
                inside = table is not None and (name == table or name.startswith(table + "."))
                if table is not None and name == table:
                    header_line = number
                continue
            if inside and needle in line:
                return number
        return header_line or 1

    def fail(self, table: str | None, needle: str, problem: str) -> TemplateError:
        return TemplateError(
            _("Template file {file}, line {line}: {problem}").format(
                file=self.path.name, line=self.line_of(table, needle), problem=problem
            )
        )


def _placeholders(source: _File, table: str, text: str) -> set[str]:
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise source.fail(
            table, text[:30], _("a brace is not closed or not doubled ({error}).").format(error=error)
        ) from None
    for name in names:
        if not re.fullmatch(r"[a-z_0-9]+", name):
            raise source.fail(
                table, "{" + name, _("the placeholder {{{name}}} is not a simple name.").format(name=name)
            )
    return names


def _check_text(source: _File, table: str, text: object, allowed: set[str] | frozenset[str], what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise source.fail(table, what, _("{section} must be a text that is not empty.").format(section=what))
    for name in sorted(_placeholders(source, table, text) - set(allowed)):
        raise source.fail(
            table,
            "{" + name,
            _("unknown placeholder {{{name}}}; the placeholders this document fills are: {known}.").format(
                name=name, known=", ".join(sorted(allowed))
            ),
        )
    return text


def load_kind(path: Path, kind: str) -> dict[str, AgreementTemplate]:
    source = _File(path)
    data = source.data
    declared = data.get("kind")
    if declared != kind:
        raise source.fail(
            None,
            "kind",
            _("the file says it is the {declared} agreement, but {file} must hold the {kind} agreement.").format(
                declared=declared, file=path.name, kind=kind
            ),
        )
    version = data.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+(\.\d+)*", version):
        raise source.fail(None, "version", _('the version must be a text such as "2017.1".'))
    allowed = fields_of(kind)
    result = {}
    for language in LANGUAGES:
        table = data.get(language)
        if not isinstance(table, dict):
            raise source.fail(None, "", _("the section [{language}] is missing.").format(language=language))
        for section in SECTIONS:
            if section not in table:
                raise source.fail(
                    language,
                    "",
                    _("the section {section} is missing from [{language}].").format(section=section, language=language),
                )
        lists = {}
        for section in ("parties", "clauses"):
            items = table[section]
            if not isinstance(items, list) or not items:
                raise source.fail(language, section, _("{section} must be a list of texts.").format(section=section))
            lists[section] = tuple(_check_text(source, language, item, allowed, section) for item in items)
        defaults = table.get("defaults", {})
        if not isinstance(defaults, dict):
            raise source.fail(language, "defaults", _("defaults must be a table."))
        for key, value in defaults.items():
            if key not in allowed:
                raise source.fail(
                    f"{language}.defaults",
                    key,
                    _("unknown placeholder {{{name}}}; the placeholders this document fills are: {known}.").format(
                        name=key, known=", ".join(sorted(allowed))
                    ),
                )
            _check_text(source, f"{language}.defaults", value, set(), key)
        for section in table:
            if section not in (*SECTIONS, "defaults"):
                raise source.fail(language, section, _("unknown section {section}.").format(section=section))
        result[language] = AgreementTemplate(
            kind=kind,
            version=version,
            language=language,
            title=_check_text(source, language, table["title"], allowed, "title"),
            parties=lists["parties"],
            preamble=_check_text(source, language, table["preamble"], allowed, "preamble"),
            clauses=lists["clauses"],
            closing=_check_text(source, language, table["closing"], allowed, "closing"),
            defaults=dict(defaults),
        )
    return result


def load_common(path: Path) -> dict[str, dict[str, str]]:
    source = _File(path)
    common = {}
    for language in LANGUAGES:
        table = source.data.get(language)
        if not isinstance(table, dict):
            raise source.fail(None, "", _("the section [{language}] is missing.").format(language=language))
        for key, allowed in COMMON_KEYS.items():
            if key not in table:
                raise source.fail(
                    language,
                    "",
                    _("the section {section} is missing from [{language}].").format(section=key, language=language),
                )
            value = table[key]
            if key == "member_separator":
                if not isinstance(value, str) or not value:
                    raise source.fail(
                        language, key, _("{section} must be a text that is not empty.").format(section=key)
                    )
            else:
                _check_text(source, language, value, allowed, key)
        for key in table:
            if key not in COMMON_KEYS:
                raise source.fail(language, key, _("unknown section {section}.").format(section=key))
        common[language] = dict(table)
    return common


@cache
def _load(directory: str) -> TemplateSet:
    folder = Path(directory)
    templates = {}
    for kind in KINDS:
        path = folder / f"{kind}.toml"
        if not path.exists():
            raise TemplateError(_("Template file {file} is missing.").format(file=path))
        for language, template in load_kind(path, kind).items():
            templates[(kind, language)] = template
    common_path = folder / "common.toml"
    if not common_path.exists():
        raise TemplateError(_("Template file {file} is missing.").format(file=common_path))
    return TemplateSet(folder, templates, load_common(common_path))


def load(directory: Path | None = None) -> TemplateSet:
    """The agreement templates of ``directory`` (default: the shipped ones), checked; cached."""
    return _load(str(directory or templates_dir() / "agreements"))


def clear_cache() -> None:
    _load.cache_clear()
