"""The indicator catalogue: every indicator defined once, read by pages, exports and briefings.

An indicator is a numerator measure, optionally divided by a denominator measure. A measure is
one aggregate over one warehouse table; its SQL is a constant of this module (user values are
bound elsewhere). Measures of one table are evaluated in one scan.

How a measure places rows in time (`kind`):
  flow          rows dated by `date_col` inside the period (relief paid, petitions received)
  stock         rows on file at the period's last day: `date_col` <= end, `until_col` null or later
  stock_events  the same, counted as entries minus exits up to the day (valid when a person has
                at most one open row at a time; `expr` then documents, the count is of rows)
  annual        tables kept by year (`year`): a range takes every year it touches
  annual_stock  tables kept by year whose counts are levels: a range takes its last year
  annual_flow   dated rows counted by whole years, to meet the annual tables on equal terms
  season        two-festival relief, counted by Spring Festival season, not calendar month
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.marts import MARTS
from core.messages import pick

# Dimensions each fact table can be cut by (dimension → column). Every table has `region`
# (through county_code); `station` marks tables that record the help station.
TABLE_DIMS: dict[str, dict[str, str]] = {
    "relief": {"station": "station_code", "fund_source": "fund_source", "category": "category",
               "relief_type": "relief_type", "recipient_group": "recipient_group"},
    "hardship_files": {"station": "station_code", "category": "category"},
    "fund_allocations": {"fund_source": "fund_source"},
    "loans": {"station": "station_code"},
    "training": {"course": "course", "provider": "provider"},
    "placements": {"placement_channel": "channel"},
    "medical_cards": {"card_kind": "kind"},
    "medical_benefits": {"benefit_kind": "kind"},
    "petitions": {"petition_channel": "channel", "petition_category": "category",
                  "mediation_level": "mediation_level", "petition_outcome": "outcome"},
    "union_coverage": {},
    "npc_activities": {"npc_kind": "kind"},
}
TABLE_DIMS["relief_monthly"] = TABLE_DIMS["relief"]  # its monthly sums (etl/rollups.py)
TABLE_DIMS |= {m.name: TABLE_DIMS[m.table] for m in MARTS}  # the marts (core/marts.py)

# Label domains (table `labels`) of the dimensions that hold codes.
DIM_LABEL_DOMAIN = {
    "fund_source": "fund_source", "category": "hardship_category", "relief_type": "relief_type",
    "recipient_group": "recipient_group", "course": "course", "provider": "provider",
    "placement_channel": "placement_channel", "card_kind": "card_kind",
    "benefit_kind": "benefit_kind", "petition_channel": "petition_channel",
    "petition_category": "petition_category", "mediation_level": "mediation_level",
    "petition_outcome": "petition_outcome", "npc_kind": "npc_kind",
}


# Kinds whose value is a sum over the rows of a period (see the module docstring).
FLOW_KINDS = ("flow", "annual_flow", "annual", "season")


@dataclass(frozen=True)
class Measure:
    table: str
    expr: str  # one aggregate over alias `t`, any condition inside it as FILTER (WHERE ...)
    date_col: str
    kind: str = "flow"  # see the module docstring
    until_col: str | None = None  # stock: the date a row leaves the file
    where: str | None = None  # a row filter applied before time is placed (seasons: the ASOF
    # join then meets only festival rows, not every relief row of ten years)
    fixed_dim: str | None = None  # the column `where` holds to one value (persons are then
    # told apart within that value)
    through: date | None = None  # the last day counted, bound as $through: a season's work
    # to a view's end (analytics.targets), where a bucket otherwise takes the whole season.
    # Read from the facts row by row (no load-time table keeps days).

    @property
    def dims(self) -> set[str]:
        return {"region", *TABLE_DIMS[self.table]}

    @property
    def sql_text(self) -> str:
        """'table: aggregate [WHERE filter]', as exports state the definition."""
        return f"{self.table}: {self.expr}" + (f" WHERE {self.where}" if self.where else "")


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str  # persons | count | yuan | yuan_per_person | ratio | days | per_loan | days_count
    numerator: Measure
    denominator: Measure | None = None
    higher_is_better: bool | None = True  # None: neither (volumes such as petitions received)
    definition_zh: str = ""
    definition_en: str = ""

    @property
    def is_rate(self) -> bool:
        return self.unit == "ratio"

    @property
    def dims(self) -> tuple[str, ...]:
        """Dimensions both measures can be cut by (region and period always)."""
        d = self.numerator.dims
        if self.denominator is not None:
            d &= self.denominator.dims
        order = ["region", *TABLE_DIMS[self.numerator.table]]
        return tuple(x for x in order if x in d)

    @property
    def is_flow(self) -> bool:
        """A count or sum of what happened in a period (persons relieved, yuan paid, petitions
        received): a period the data speak for and without rows had none, so a trend shows 0
        there. Rates, averages, medians and stocks have no value without rows (a gap)."""
        return (self.denominator is None and self.numerator.kind in FLOW_KINDS
                and self.unit in ("persons", "count", "yuan"))

    @property
    def seasonal(self) -> bool:
        return self.numerator.kind == "season"

    @property
    def yearly(self) -> bool:
        """Kept by year or Spring Festival season: a monthly series of it would be flat or
        empty, so charts show it by year."""
        return self.numerator.kind in ("annual", "annual_stock", "annual_flow", "season")

    def name(self, lang: str) -> str:
        return pick((self.name_zh, self.name_en), lang)

    def definition(self, lang: str) -> str:
        """The definition in the deployment's words ({provincial_fund}: the fund's label)."""
        text = pick((self.definition_zh, self.definition_en), lang)
        if "{" not in text:
            return text
        from analytics import vocabulary  # the warehouse's words; the catalogue stays pure

        return vocabulary.words().fill(text, lang)

    def as_dict(self, lang: str = "zh") -> dict[str, str]:
        """The entry as exports carry it (Provenance.indicators)."""
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en,
                "unit": self.unit, "definition": self.definition(lang),
                "numerator": self.numerator.sql_text,
                "denominator": self.denominator.sql_text if self.denominator else ""}


def _m(table: str, expr: str, date_col: str, kind: str = "flow", until: str | None = None,
       where: str | None = None, fixed_dim: str | None = None):
    return Measure(table, expr, date_col, kind, until, where, fixed_dim)


# --- measures ------------------------------------------------------------------------------
# One file per person at a time (the ETL merges a person's files across stations), so the
# number on file is entries minus exits: counted that way (`stock_events`), fast at any size.
REGISTERED = _m("hardship_files", "COUNT(DISTINCT t.person_key)", "registered_on",
                "stock_events", "exited_on")
# Persons counted once each. analytics.queries evaluates this through the per-person columns
# the load derives (etl/person_index.py): a filtered count where they fit, else distinct
# integer person numbers; same result, several times faster than hashing the 32-char keys.
PERSONS = "COUNT(DISTINCT t.person_key)"
RELIEVED = _m("relief", PERSONS, "relief_date")
RELIEF_YUAN = _m("relief", "SUM(t.amount_yuan)", "relief_date")
RELIEF_COUNT = _m("relief", "COUNT(*)", "relief_date")
_FESTIVAL = "t.relief_type = 'festival_condolence'"
FESTIVAL_PERSONS = _m("relief", PERSONS, "relief_date", "season",
                      where=_FESTIVAL, fixed_dim="relief_type")
FESTIVAL_YUAN = _m("relief", "SUM(t.amount_yuan)", "relief_date", "season", where=_FESTIVAL)
ALLOCATED = _m("fund_allocations", "SUM(t.allocated_yuan)", "year", "annual")
RECEIVED = _m("fund_allocations", "SUM(t.received_yuan)", "year", "annual")
MATCHING_ALLOCATED = _m("fund_allocations", "SUM(t.allocated_yuan) FILTER "
                        "(WHERE t.fund_source = 'local_matching')", "year", "annual")
MATCHING_RECEIVED = _m("fund_allocations", "SUM(t.received_yuan) FILTER "
                       "(WHERE t.fund_source = 'local_matching')", "year", "annual")
# Disbursed counted by year, so that it meets the yearly allocation tables on equal terms.
DISBURSED_BY_YEAR = _m("relief", "SUM(t.amount_yuan)", "relief_date", "annual_flow")
# Execution compares spending with the money allocated, so only the allocated (fiscal)
# sources count: the union's own funds and donations are never allocated.
ALLOCATED_SOURCES = ("central_special", "provincial_special", "local_matching")
DISBURSED_ALLOCATED = _m("relief", "SUM(t.amount_yuan) FILTER (WHERE t.fund_source IN "
                         f"{ALLOCATED_SOURCES!r})", "relief_date", "annual_flow")
TRAINED = _m("training", PERSONS, "start_on")
ENROLMENTS = _m("training", "COUNT(*)", "start_on")
COMPLETED = _m("training", "COUNT(*) FILTER (WHERE t.completed)", "start_on")
# Placement within six months is known only once six months have passed since the course
# ended; later completions would read as "not placed", so both terms leave them out.
_SIX_MONTHS_SEEN = "t.end_on + INTERVAL 6 MONTH <= (SELECT max(start_on) FROM training)"
# Outcomes not followed up (NULL, e.g. frontline skills courses) are neither placed nor not.
COMPLETED_SEEN = _m("training", "COUNT(*) FILTER (WHERE t.completed AND "
                    f"t.placed_within_6m IS NOT NULL AND {_SIX_MONTHS_SEEN})", "start_on")
PLACED_6M = _m("training", "COUNT(*) FILTER (WHERE t.completed AND t.placed_within_6m AND "
               f"{_SIX_MONTHS_SEEN})", "start_on")
PLACEMENTS = _m("placements", "COUNT(*)", "placed_on")
LOANS = _m("loans", "COUNT(*)", "issued_on")
LOAN_YUAN = _m("loans", "SUM(t.amount_yuan)", "issued_on")
LOAN_JOBS = _m("loans", "SUM(t.jobs_created)", "issued_on")
LOANS_DUE = _m("loans", "COUNT(*)", "due_on")
LOANS_REPAID = _m("loans", "COUNT(*) FILTER (WHERE t.repaid_on IS NOT NULL)", "due_on")
PETITIONS = _m("petitions", "COUNT(*)", "received_on")
COLLECTIVE = _m("petitions", "COUNT(*) FILTER (WHERE t.collective)", "received_on")
SKIP_LEVEL = _m("petitions", "COUNT(*) FILTER (WHERE t.skip_level)", "received_on")
RESOLVED = _m("petitions", "COUNT(*) FILTER (WHERE t.outcome = 'resolved')", "received_on")
# Petitions still open are left out of the resolution rate: counted as "not resolved" they
# made every recent period look worse than it will be once they close.
SETTLED = _m("petitions", "COUNT(*) FILTER (WHERE t.closed_on IS NOT NULL AND "
             "t.outcome <> 'withdrawn')", "received_on")
# Days to close only over petitions received at least 180 days before the last one on file:
# in recent months only the quick cases have closed yet, which would fake a speed-up.
DAYS_TO_CLOSE = _m("petitions", "MEDIAN(t.closed_on - t.received_on) FILTER "
                   "(WHERE t.closed_on IS NOT NULL AND t.received_on + INTERVAL 180 DAY <= "
                   "(SELECT max(received_on) FROM petitions))", "received_on")
ENTERPRISES = _m("union_coverage", "SUM(t.enterprises)", "year", "annual_stock")
WITH_UNION = _m("union_coverage", "SUM(t.with_union)", "year", "annual_stock")
WITH_BARGAINING = _m("union_coverage", "SUM(t.with_bargaining)", "year", "annual_stock")
WITH_CONGRESS = _m("union_coverage", "SUM(t.with_workers_congress)", "year", "annual_stock")
HARMONIOUS = _m("union_coverage", "SUM(t.harmonious)", "year", "annual_stock")
RECEPTION_DAYS = _m("npc_activities", "SUM(t.count) FILTER (WHERE t.kind = 'reception_day')",
                    "activity_on")
PROPOSALS = _m("npc_activities", "SUM(t.count) FILTER (WHERE t.kind = 'proposal')",
               "activity_on")
PROPOSALS_DONE = _m("npc_activities", "SUM(t.completed) FILTER (WHERE t.kind = 'proposal')",
                    "activity_on")
CARD_HOLDERS = _m("medical_cards", PERSONS, "issued_on", "stock")
DISCOUNT_YUAN = _m("medical_benefits", "SUM(t.discount_yuan)", "benefit_on")
BENEFITS = _m("medical_benefits", "COUNT(*)", "benefit_on")
RELIEVED_BY_YEAR = _m("relief", PERSONS, "relief_date", "annual_flow")

# The count each sum about persons is paid to. Outside the staff role an export scales the sum
# by that count's published/true ratio, in every table (analytics/disclosure_parts.py): the
# average stays true, and an amount published exactly no longer gives the count back when
# divided by the average (relief amount ÷ amount per person = persons relieved).
COUNT_OF: dict[Measure, Measure] = {
    RELIEF_YUAN: RELIEVED, FESTIVAL_YUAN: FESTIVAL_PERSONS, DISBURSED_BY_YEAR: RELIEVED_BY_YEAR,
    LOAN_YUAN: LOANS, LOAN_JOBS: LOANS, DISCOUNT_YUAN: BENEFITS,
    # relief from allocated sources: the year's persons (of those sources alone once the fund
    # filter picks one, where it equals that source's relief amount)
    DISBURSED_ALLOCATED: RELIEVED_BY_YEAR,
}


def _i(code, zh, en, unit, num, den=None, better=True, dzh="", den_="") -> Indicator:
    return Indicator(code, zh, en, unit, num, den, better, dzh, den_)


CATALOGUE: tuple[Indicator, ...] = (
    _i("registered", "在档困难职工", "Registered hardship workers", "persons", REGISTERED, None,
       None, "期末仍在档(已建档、未脱困)的困难职工人数,按人去重。",
       "Hardship workers on file at the end of the period (registered, not yet exited), "
       "counted once each."),
    _i("relieved", "救助人数", "Persons relieved", "persons", RELIEVED, None, True,
       "期内获得任一救助的人数,按人去重。",
       "Persons who received any relief in the period, counted once each."),
    _i("coverage", "救助覆盖率", "Relief coverage", "ratio", RELIEVED, REGISTERED, True,
       "救助人数 ÷ 期末在档困难职工人数。",
       "Persons relieved ÷ hardship workers on file at the end of the period."),
    _i("relief_amount", "救助金额", "Relief amount", "yuan", RELIEF_YUAN, None, True,
       "期内发放的各类救助金额合计(万元)。",
       "Total relief paid in the period (10,000 yuan)."),
    _i("relief_count", "救助人次", "Relief payments", "count", RELIEF_COUNT, None, None,
       "期内救助发放笔数(人次)。", "Number of relief payments in the period."),
    _i("amount_per_person", "人均救助金额", "Relief per person", "yuan_per_person", RELIEF_YUAN,
       RELIEVED, True, "救助金额 ÷ 救助人数(元/人)。",
       "Relief amount ÷ persons relieved (yuan per person)."),
    _i("festival_persons", "两节慰问人数", "Two-festival condolence: persons", "persons",
       FESTIVAL_PERSONS, None, True,
       "按春节季比较:每笔两节慰问(送温暖)计入离它最近的春节所在季,不按自然月;同比为上一春节季。",
       "Compared by Spring Festival season, not calendar month: each two-festival payment "
       "counts towards the nearest Spring Festival; year-on-year is the previous season."),
    _i("festival_amount", "两节慰问金额", "Two-festival condolence: amount", "yuan",
       FESTIVAL_YUAN, None, True,
       "按春节季比较:每笔两节慰问金计入离它最近的春节所在季,不按自然月;同比为上一春节季。",
       "Compared by Spring Festival season, not calendar month: each payment counts towards "
       "the nearest Spring Festival; year-on-year is the previous season."),
    _i("fund_allocated", "资金下拨", "Funds allocated", "yuan", ALLOCATED, None, True,
       "各级下拨(应到位)的帮扶资金,按年度、资金来源。",
       "Relief funds allocated (due), by year and fund source."),
    _i("fund_received", "资金到位", "Funds received", "yuan", RECEIVED, None, True,
       "实际到位的帮扶资金,按年度、资金来源。", "Relief funds actually received, by year and source."),
    _i("fund_disbursed", "资金支出", "Funds disbursed", "yuan", DISBURSED_BY_YEAR, None, True,
       "救助发放金额,按发放年度、资金来源(与下拨到位同口径按整年计)。",
       "Relief paid out, by year and fund source (whole years, like the allocation tables)."),
    _i("fund_execution", "资金执行率", "Fund execution rate", "ratio", DISBURSED_ALLOCATED,
       RECEIVED, True,
       "下拨资金(中央财政专项、{provincial_fund}与地方财政配套)的支出 ÷ 到位资金,按整年计;"
       "到位为零时不计算。"
       "工会自筹与社会捐助不经下拨,不计入。以到位而非下拨为分母,衡量已到资金的使用。",
       "Spending from allocated funds (central special, {provincial_fund} and local "
       "matching) ÷ "
       "received, in whole years; undefined when nothing was received. The union's own funds "
       "and donations are never allocated and are left out. Received, not allocated, is the "
       "base: it measures the use of money that arrived."),
    _i("matching_arrival", "配套资金到位率", "Matching-fund arrival rate", "ratio",
       MATCHING_RECEIVED, MATCHING_ALLOCATED, True,
       "地方财政配套资金:到位 ÷ 应到位(下拨),按整年计。",
       "Local fiscal matching funds: received ÷ allocated, in whole years."),
    _i("matching_allocated", "配套资金应到位", "Matching funds due", "yuan", MATCHING_ALLOCATED,
       None, True, "地方财政配套资金应到位(下拨)金额,按年度。",
       "Local fiscal matching funds due (allocated), by year."),
    _i("matching_received", "配套资金实际到位", "Matching funds received", "yuan",
       MATCHING_RECEIVED, None, True, "地方财政配套资金实际到位金额,按年度。",
       "Local fiscal matching funds received, by year."),
    _i("trained", "培训人数", "People trained", "persons", TRAINED, None, True,
       "期内开班的培训学员人数,按人去重。", "Persons who started training in the period."),
    _i("training_completion", "培训结业率", "Training completion rate", "ratio", COMPLETED,
       ENROLMENTS, True, "结业人次 ÷ 参训人次(按开班日期)。",
       "Completed ÷ enrolled (by start date)."),
    _i("placement_6m", "结业六个月内就业率", "Placed within 6 months", "ratio", PLACED_6M,
       COMPLETED_SEEN, True, "结业后六个月内就业人次 ÷ 结业人次(按开班日期);结业未满六个月(相对数据中最后的开班日期)或未跟踪就业结果的不计入。",
       "Placed within six months of completion ÷ completed (by start date); completions less "
       "than six months before the last course start on file, or not followed up, are not counted."),
    _i("placements", "就业安置人数", "Placements", "persons", PLACEMENTS, None, True,
       "期内登记的就业安置人次。", "Placements registered in the period."),
    _i("loans", "无息借款笔数", "Loans issued", "count", LOANS, None, True,
       "期内发放的限时无息小额借款笔数。", "Interest-free small loans issued in the period."),
    _i("loan_amount", "借款金额", "Loan amount", "yuan", LOAN_YUAN, None, True,
       "期内发放的无息借款金额。", "Amount of interest-free loans issued in the period."),
    _i("loan_repayment", "借款还款率", "Loan repayment rate", "ratio", LOANS_REPAID, LOANS_DUE,
       True, "期内到期的借款中已归还的比例(按约定还款日期)。",
       "Share of loans due in the period that have been repaid (by due date)."),
    _i("jobs_per_loan", "每笔借款带动就业", "Jobs per loan", "per_loan", LOAN_JOBS, LOANS, True,
       "带动就业人次 ÷ 借款笔数(按借款日期)。", "Jobs created ÷ loans issued (by issue date)."),
    _i("petitions", "受理诉求件数", "Petitions received", "count", PETITIONS, None, None,
       "期内受理的职工诉求与信访件数。", "Petitions and labour disputes received in the period."),
    _i("collective", "群体性诉求件数", "Collective petitions", "count", COLLECTIVE, None, False,
       "期内受理的群体性诉求件数。", "Collective petitions received in the period."),
    _i("skip_level_share", "越级信访占比", "Skip-level share", "ratio", SKIP_LEVEL, PETITIONS,
       False, "越级信访件数 ÷ 受理件数。", "Skip-level petitions ÷ petitions received."),
    _i("resolution_rate", "诉求解决率", "Resolution rate", "ratio", RESOLVED, SETTLED,
       True, "已解决件数 ÷ 已办结件数(不含撤回;尚在办理的不计入),按受理日期。",
       "Resolved ÷ closed (withdrawn and still-open petitions excluded), by date received."),
    _i("days_to_close", "办结天数中位数", "Median days to close", "days", DAYS_TO_CLOSE, None,
       False, "已办结诉求从受理到办结的天数中位数(按受理日期);只计受理早于数据中最后受理日期180天以上的诉求。",
       "Median days from receipt to closure of closed petitions (by date received), over "
       "petitions received at least 180 days before the last one on file."),
    _i("union_coverage", "建会率", "Union coverage", "ratio", WITH_UNION, ENTERPRISES, True,
       "已建会企业数 ÷ 企业数(期末年度)。", "Enterprises with a union ÷ enterprises (last year)."),
    _i("bargaining_coverage", "工资集体协商覆盖率", "Bargaining coverage", "ratio",
       WITH_BARGAINING, WITH_UNION, True, "开展工资集体协商企业数 ÷ 已建会企业数(期末年度)。",
       "Enterprises with collective wage bargaining ÷ unionised enterprises (last year)."),
    _i("congress_coverage", "职代会建制率", "Workers'-congress coverage", "ratio", WITH_CONGRESS,
       WITH_UNION, True, "建立职代会企业数 ÷ 已建会企业数(期末年度)。",
       "Enterprises with a workers' congress ÷ unionised enterprises (last year)."),
    _i("harmonious_share", "和谐企业占比", "Harmonious share", "ratio", HARMONIOUS, WITH_UNION,
       True, "劳动关系和谐企业数 ÷ 已建会企业数(期末年度)。",
       "Harmonious-labour-relations enterprises ÷ unionised enterprises (last year)."),
    _i("reception_days", "代表接待选民日", "NPC reception days", "count", RECEPTION_DAYS, None,
       True, "人大代表接待选民日(含主任接待日)次数。", "NPC deputies' voter reception days held."),
    _i("proposal_completion", "代表建议办成率", "NPC proposal completion rate", "ratio",
       PROPOSALS_DONE, PROPOSALS, True, "办成的代表建议数 ÷ 代表建议数(按提出日期)。",
       "Deputy proposals completed ÷ proposals made (by date made)."),
    _i("card_holders", "医疗优惠卡持卡人数", "Medical card holders", "persons", CARD_HOLDERS,
       None, True, "期末持有药店或医院优惠卡的人数(累计办卡,按人去重)。",
       "Persons holding a pharmacy or hospital discount card at the end of the period."),
    _i("medical_discounts", "医疗减免金额", "Medical discounts", "yuan", DISCOUNT_YUAN, None,
       True, "期内药店与合作医院的减免金额合计。",
       "Discounts granted by partner pharmacies and the partner hospital in the period."),
)

INDICATORS: dict[str, Indicator] = {i.code: i for i in CATALOGUE}


def indicator(code: str) -> Indicator:
    return INDICATORS[code]
