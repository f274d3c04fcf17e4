"""The national system's labels (全国扶贫开发信息系统) and the codes this program stores for them.

Read from ``resources/national_codes/national-codes-*.toml`` (versioned; the newest is in force).  The
system's numeric values (AAC006 贫困户属性, AAC007 主要致贫原因, AAR010 脱贫标志 …) vary between
deployments and years, so a roster is mapped by its labels; a label the file does not list is refused
by the caller, naming it.  Every code the file maps to is checked against this program's vocabulary
(``vocabulary.py``) when the file is read, so a typing slip in the file is found before any roster.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from xinjie_desktop.core.rules import vocabulary
from xinjie_desktop.i18n import _
from xinjie_desktop.resources import national_codes_dir

# The fields that carry a label, and the codes each may map to (the program's own closed lists).
EXIT_CODES = {"yes": "yes", "no": "no"}
VOCABULARIES: dict[str, dict[str, str]] = {
    "attribute": vocabulary.ATTRIBUTES,
    "main_cause": vocabulary.CAUSES,
    "exited": EXIT_CODES,
    "standard": vocabulary.IDENTIFICATION_STANDARDS,
    "relation": vocabulary.RELATIONS,
    "ethnicity": vocabulary.ETHNICITIES,
    "education": vocabulary.EDUCATION,
    "schooling": vocabulary.SCHOOLING,
    "health": vocabulary.HEALTH,
    "labour": vocabulary.LABOUR,
}
# The plain columns a roster has (found by their header names too).
PLAIN_COLUMNS = (
    "county",
    "township",
    "village",
    "hamlet",
    "household_number",
    "person_number",
    "name",
    "id_number",
    "population",
    "migrant_work",
    "dangerous_house",
    "income",
    "phone",
    "other_causes",
)


class NationalCodesError(ValueError):
    """The codes file cannot be used; ``str()`` names the file and what is wrong."""


@dataclass(frozen=True)
class CodedField:
    field: str
    code: str  # the system's field code where known (AAC006 …), else ""
    headers: tuple[str, ...]
    labels: dict[str, str]  # label -> program code
    export: dict[str, str]  # program code -> label written
    export_female: dict[str, str]

    def label_for(self, code: str, female: bool = False) -> str:
        """The label the program writes for ``code`` ("" for an empty code)."""
        if not code:
            return ""
        if female and code in self.export_female:
            return self.export_female[code]
        if code in self.export:
            return self.export[code]
        return next((label for label, mapped in self.labels.items() if mapped == code), "")


@dataclass(frozen=True)
class NationalCodes:
    version: str
    source: str
    columns: dict[str, tuple[str, ...]]  # plain column -> its header names
    fields: dict[str, CodedField]

    def headers(self) -> dict[str, tuple[str, ...]]:
        """Every column (plain and coded) with the header names it may carry."""
        return {**self.columns, **{name: f.headers for name, f in self.fields.items()}}

    def code_for(self, field: str, label: str) -> str | None:
        """The program's code for a label the system writes in ``field``; None for a label not listed."""
        return self.fields[field].labels.get(normalise_label(label))


def normalise_label(text: str) -> str:
    """A label or header as the file lists it: without spaces (full-width too) and a trailing asterisk."""
    return re.sub(r"[\s\u3000*＊]+", "", text).replace("(", "（").replace(")", "）")


def _fail(path: Path, problem: str) -> NationalCodesError:
    return NationalCodesError(_("National codes file {file}: {problem}").format(file=path.name, problem=problem))


def _names(path: Path, where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(path, _("{key} must list header names").format(key=where))
    return tuple(normalise_label(v) for v in value)


def _mapping(path: Path, where: str, value: object, allowed: dict[str, str]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(path, _("{key} must map labels to codes").format(key=where))
    result = {}
    for key, code in value.items():
        if not isinstance(code, str) or code not in allowed:
            raise _fail(path, _("{key}: {code!r} is not one of the program's codes").format(key=where, code=code))
        result[normalise_label(key)] = code
    return result


def _exports(path: Path, where: str, value: object, labels: dict[str, str]) -> dict[str, str]:
    """code -> label written: each label one the file lists for that code."""
    if not isinstance(value, dict):
        raise _fail(path, _("{key} must map codes to labels").format(key=where))
    result = {}
    for code, label in value.items():
        if not isinstance(label, str) or labels.get(normalise_label(label)) != code:
            raise _fail(
                path, _("{key}: {label!r} is not a label listed for {code}").format(key=where, label=label, code=code)
            )
        result[code] = normalise_label(label)
    return result


def load_file(path: Path) -> NationalCodes:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise _fail(path, str(error)) from None
    version = data.get("version")
    if not isinstance(version, str) or not re.fullmatch(r"\d+(\.\d+)*", version):
        raise _fail(path, _("a version looks like 2017.1"))
    columns_table = data.get("columns")
    if not isinstance(columns_table, dict):
        raise _fail(path, _("the [columns] table is missing"))
    columns = {}
    for name in PLAIN_COLUMNS:
        if name not in columns_table:
            raise _fail(path, _("the column {key} has no header names").format(key=name))
        columns[name] = _names(path, f"columns.{name}", columns_table[name])
    fields_table = data.get("fields")
    if not isinstance(fields_table, dict):
        raise _fail(path, _("the [fields] tables are missing"))
    fields = {}
    for name, allowed in VOCABULARIES.items():
        table = fields_table.get(name)
        if not isinstance(table, dict):
            raise _fail(path, _("the field {key} is missing").format(key=name))
        labels = _mapping(path, f"fields.{name}.labels", table.get("labels"), allowed)
        missing = sorted(set(allowed) - set(labels.values()))
        if missing:
            raise _fail(path, _("fields.{key}: no label means {codes}").format(key=name, codes=", ".join(missing)))
        fields[name] = CodedField(
            field=name,
            code=str(table.get("code", "")),
            headers=_names(path, f"fields.{name}.headers", table.get("headers")),
            labels=labels,
            export=_exports(path, f"fields.{name}.export", table.get("export", {}), labels),
            export_female=_exports(path, f"fields.{name}.export_female", table.get("export_female", {}), labels),
        )
    every_header = [h for names in [*columns.values(), *(f.headers for f in fields.values())] for h in names]
    twice = sorted({h for h in every_header if every_header.count(h) > 1})
    if twice:
        raise _fail(path, _("a header name belongs to two columns: {names}").format(names=", ".join(twice)))
    return NationalCodes(version=version, source=str(data.get("source", "")), columns=columns, fields=fields)


@cache
def load_all(directory: Path | None = None) -> dict[str, NationalCodes]:
    directory = directory or national_codes_dir()
    every: dict[str, NationalCodes] = {}
    for path in sorted(directory.glob("national-codes-*.toml")):
        codes = load_file(path)
        if codes.version in every:
            raise _fail(path, _("version {version} is already in another file").format(version=codes.version))
        every[codes.version] = codes
    if not every:
        raise NationalCodesError(_("No national codes file was found in {folder}").format(folder=directory))
    return every


def current(version: str | None = None) -> NationalCodes:
    """The labels in force (the newest version), or those of ``version``."""
    every = load_all()
    if version is not None:
        if version not in every:
            raise NationalCodesError(
                _("The national codes of version {version} are not installed.").format(version=version)
            )
        return every[version]
    return every[max(every, key=lambda v: tuple(int(x) for x in v.split(".")))]
