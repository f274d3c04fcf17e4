"""Who is a household member (家庭成员), rule ID-2 (云贫开办发〔2016〕198号).

Each member carries a membership basis; only the *included* bases count toward
the household's actual population (实有人口).
"""

from __future__ import annotations

from xinjie_desktop.i18n import N_

# code -> label (English message id, translated where shown)
INCLUDED = {
    "resident": N_("lives in the household regularly or shares its income"),
    "student_supported": N_("student away, still supported by the household"),
    "migrant_worker": N_("migrant worker who has not split from the household"),
    "migrant_family": N_("family member who moved with a migrant worker"),
    "elder_rotating": N_("elderly person living in turn with several children"),
    "temporarily_away": N_("temporarily away visiting relatives or friends"),
}

EXCLUDED = {
    "student_unsupported": N_("student away, no longer supported"),
    "split_off": N_("child who has split off into a household of their own"),
    "married_out": N_("married out"),
    "nominal_or_lodger": N_("registered here only nominally, or a lodger"),
    "hired_helper": N_("hired helper"),
    "enlisted": N_("enlisted in the army"),
}

BASES = {**INCLUDED, **EXCLUDED}


def is_included(basis: str) -> bool:
    if basis not in BASES:
        raise ValueError(f"unknown membership basis {basis!r}")
    return basis in INCLUDED
