"""The deployment's words as the dashboard, exports and briefings use them: the level labels
(区（市）县, 旗县（市、区）…) and the provincial fund's label, derived by core/vocabulary.py
from the divisions in the warehouse's `regions` table — the same rule the ETL applies to the
labels table and the templates, so every part of a deployment says the same words."""

from __future__ import annotations

from analytics import db, reference
from core.vocabulary import GENERIC, LEVELS, Words, words_of

__all__ = ["LEVELS", "fund_label", "level_label", "words"]


def words() -> Words:
    """This warehouse's words; the general ones where there is no warehouse yet (the
    dashboard then says only that the warehouse is missing)."""
    if not db.warehouse_path().exists():
        return GENERIC
    return _words()


@db.per_file
def _words() -> Words:
    return words_of(reference.regions().select("region_code", "level", "name_zh").iter_rows())


def level_label(level: str, lang: str = "zh") -> str:
    """The filter bar's label of a level: the deployment's for province, city and county."""
    return words().level(level, lang)


def fund_label(lang: str = "zh") -> str:
    """The provincial special fund as this deployment says it (省级专项 in a province …)."""
    return words().fund(lang)
