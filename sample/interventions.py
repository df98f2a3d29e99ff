"""The intervention registry (干预措施登记表) of the sample: the measures users ask about."""

from __future__ import annotations

from datetime import date

import polars as pl

from sample.design import (
    FINANCE_ID,
    FINANCE_START,
    HOSPITAL_ID,
    HOSPITAL_START,
    PHARMACY_ID,
    PHARMACY_START,
    RECEPTION_START,
    TAX_ID,
    TAX_START,
    inspection_start,
    proposal_start,
)
from sample.regions import COUNTIES

Row = tuple[str, str, str, str, str, date, date | None, str, str]


def reception_id(county: str) -> str:
    return f"NPC-REC-{county}"


def interventions() -> pl.DataFrame:
    rows: list[Row] = [
        (FINANCE_ID, "finance_policy", "内政发[2010]30号 支持工会加强困难职工帮扶工作",
         "Inner Mongolia opinion No. 30 (2010) supporting union hardship relief", "150000",
         FINANCE_START, None, "自治区财政专项帮扶资金增加，扩大救助范围和人数",
         "内政发[2010]30号"),
        (TAX_ID, "finance_policy", "个人所得税起征点调整（2000元→3500元，9级→7级）",
         "Income-tax threshold 2,000 → 3,500 yuan/month, 9 → 7 brackets", "000000", TAX_START,
         None, "全国统一实施的个人所得税法修改", "全国人大常委会关于修改个人所得税法的决定"),
        (PHARMACY_ID, "union_measure", "困难职工医药优惠卡（爱心药店）",
         "Pharmacy discount cards for hardship workers", "150702", PHARMACY_START, None,
         "同致药业海拉尔26个连锁店，286种药品，优惠8%—20%", "海拉尔区总工会"),
        (HOSPITAL_ID, "union_measure", "爱心医院（农垦医院）医疗优惠",
         "Partner hospital discounts for hardship workers", "150702", HOSPITAL_START, None,
         "门诊免收普通挂号费；门诊大型设备检查100元以上减免15%；住院费用万元以内部分减免10%，"
         "万元以上部分减免15%", "海拉尔区总工会、呼伦贝尔市总工会"),
    ]
    for county, start in sorted(RECEPTION_START.items()):
        zh = COUNTIES[county][1]
        rows += [
            (reception_id(county), "npc_deputy", f"{zh}人大代表接待选民日",
             "NPC deputies' voter reception days", county, start, None,
             "每月固定日期代表接待选民，受理职工诉求", f"{zh}人大常委会"),
            (f"NPC-INS-{county}", "npc_deputy", f"{zh}人大劳动法执法检查",
             "NPC enforcement inspections of labour law", county, inspection_start(county),
             None, "每季度开展劳动法律法规执法检查", f"{zh}人大常委会"),
            (f"NPC-PRO-{county}", "npc_deputy", f"{zh}代表建议督办",
             "Supervision of deputies' proposals", county, proposal_start(county), None,
             "代表建议办理情况跟踪督办，提高建议办成率", f"{zh}人大常委会"),
        ]
    return pl.DataFrame(rows, orient="row", schema=[
        "intervention_id", "kind", "name_zh", "name_en", "scope", "start_on", "end_on",
        "description", "source"])
