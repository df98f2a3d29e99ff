"""The dashboard's common words, the "app" domain of the message catalogue (core/messages.py):
page titles, the filter bar, section titles, the KPI cards, the attention list, targets.

Indicator names and definitions live in the indicator catalogue; coded values (fund sources,
categories, ...) in the warehouse's labels table; the province, city and county words are the
deployment's (core/vocabulary.py).
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "app_title": ("工会社会管理指标看板", "Trade-union social-management dashboard"),
    "page_overview": ("总览", "Overview"),
    "page_relief": ("帮扶救助", "Relief and coverage"),
    "page_funds": ("资金使用", "Funds"),
    "page_training": ("培训就业", "Training and employment"),
    "page_petitions": ("维权诉求", "Petitions and rights"),
    "page_effects": ("干预评估", "Intervention effects"),
    "page_upload": ("数据导入", "Upload"),
    "page_quality": ("数据质量", "Data quality"),
    "page_compliance": ("资金合规", "Fund compliance"),
    "page_briefing": ("汇报材料", "Briefing"),
    "page_alerts": ("预警", "Alerts"),
    "page_audit": ("审计日志", "Audit log"),
    "language": ("语言 Language", "语言 Language"),
    "filters": ("筛选", "Filters"),
    # province, city and county: the deployment's words (analytics/vocabulary.py)
    "township": ("乡镇街道", "Township / sub-district"),
    "station": ("帮扶站点", "Help station"),
    "all": ("全部", "All"),
    "all_regions": ("全部地区", "All regions"),
    "period": ("时间范围", "Period"),
    "period_clamped": ("链接中的时间范围超出现有数据（{range}），已调整到数据所及的月份。",
                       "The link's period lies outside the data ({range}): moved to the "
                       "months the data cover."),
    "region_refused": ("链接中的地区 {code} 不在您的权限范围内，已改为显示{name}。",
                       "The link's region {code} lies outside your region: showing {name} "
                       "instead."),
    "region_unknown": ("您的账号所属地区 {code} 不在本数据仓库中，无法显示数据；请联系管理员"
                       "核对账号（python -m ui.auth add-user … --region 代码）。",
                       "Your account's region {code} is not in this warehouse, so no data can "
                       "be shown; ask an admin to check the account (python -m ui.auth "
                       "add-user … --region CODE)."),
    "granularity": ("时间粒度", "Granularity"),
    "gran_month": ("月", "Month"),
    "gran_quarter": ("季度", "Quarter"),
    "gran_year": ("年", "Year"),
    "fund_source": ("资金来源", "Fund source"),
    "category": ("困难类别", "Hardship category"),
    "cuts_note": ("资金来源、困难类别只作用于记录了该字段的指标(救助、建档、资金)。",
                  "Fund source and category apply to indicators that record them "
                  "(relief, register, funds)."),
    "sample_banner": ("示例数据：本看板中的数据为合成的示例数据，不是官方统计；仅海拉尔区、巴林左旗、"
                      "西林县源文件所载的事实（如2012年两节慰问886人）按原文复现。",
                      "Sample data: the figures in this dashboard are synthetic sample data, "
                      "not official statistics; only the facts stated in the source documents "
                      "of Hailar, Bairin Left Banner and Xilin County are reproduced as written."),
    "no_warehouse": ("未找到数据仓库 {path}。请先运行 `python -m sample build` 生成示例数据。",
                     "No warehouse at {path}. Run `python -m sample build` to build the sample."),
    "warehouse_older": ("数据仓库由本程序的较早版本建成，缺少本版本读取的 {n} 项表或列，"
                        "部分页面在更新前可能无法显示。{how}",
                        "The warehouse was made by an earlier version of this program and "
                        "lacks {n} tables or columns this version reads; some pages may not "
                        "show until it is brought up to date. {how}"),
    "warehouse_older_run": ("数据仓库 {path} 由本程序的较早版本建成，缺少 {n} 项（{what}）；"
                            "请先运行 python -m etl upgrade --db {path}",
                            "the warehouse {path} was made by an earlier version (it lacks {n}: "
                            "{what}); run python -m etl upgrade --db {path} first"),
    "upgrade_how_staff": ("缺少：{what}。点击下方按钮更新（与导入一样加锁并整体替换，数据不变），"
                          "或在服务器上运行 `python -m etl upgrade --db {path}`；下次导入文件时"
                          "也会自动更新。",
                          "Lacking: {what}. Update it with the button below (under a load's lock "
                          "and swap; the data stay as they are), or run `python -m etl upgrade "
                          "--db {path}` on the server; the next file loaded also brings it up "
                          "to date."),
    "upgrade_how_others": ("请联系数据管理人员更新（`python -m etl upgrade`）。",
                           "Ask your data staff to bring it up to date (`python -m etl upgrade`)."),
    "upgrade_button": ("更新数据仓库", "Bring the warehouse up to date"),
    "upgrading": ("正在更新数据仓库：重新计算全部派生表……", "Updating the warehouse: making every "
                  "derived table again…"),
    "upgraded": ("数据仓库已更新（原缺 {n} 项）。", "The warehouse is up to date (it lacked {n})."),
    "page_needs_upgrade": ("本页读取的表或列在这个数据仓库中还没有；更新数据仓库后即可显示（见页首提示）。",
                           "This page reads tables or columns this warehouse does not have yet; "
                           "it shows once the warehouse is brought up to date (see the notice "
                           "above)."),
    "no_data": ("当前筛选条件下没有数据。请扩大时间范围或选择上级地区。",
                "No data for these filters. Widen the period or choose a higher-level region."),
    "yoy": ("同比", "YoY"),
    "pop": ("环比", "vs previous"),
    "value": ("数值", "Value"),
    "year_ago": ("上年同期", "Year earlier"),
    "region": ("地区", "Region"),
    "show_interventions": ("在趋势图上标出干预措施", "Mark interventions on trends"),
    "kpi_help": ("{definition}\n\n同比:与上年同期比较 {yoy};环比:与紧邻的上一等长时期比较 {pop}。",
                 "{definition}\n\nYear-on-year: against the same period a year earlier {yoy}; "
                 "vs previous: against the period of equal length just before {pop}."),
    "trend_of": ("{name}趋势", "{name}: trend"),
    "by_region": ("{name}(按下级地区)", "{name} by sub-region"),
    "by_year_note": ("按年度,{years}年", "by year, {years}"),
    "by_season_note": ("按春节季,{years}年", "by Spring Festival season, {years}"),
    "by_dim": ("{name}(按{dim})", "{name} by {dim}"),
    "attention": ("需要关注的地区", "Regions that need attention"),
    "attention_none": ("没有发现需要特别关注的地区或帮扶站点。",
                       "No region or help station stands out."),
    "reason": ("原因", "Reason"),
    "severity": ("紧迫程度", "Severity"),
    "severity_help": ("最大相对差距:配套资金未到位占应到位的比例、救助人数降幅或覆盖率低于中位数的幅度。",
                      "Largest relative shortfall: share of matching funds not arrived, drop in "
                      "persons relieved, or coverage below the median."),
    "reason_drop": ("救助人数同比下降 {value}", "persons relieved down {value} year-on-year"),
    "reason_low_coverage": ("救助覆盖率最低之一({value})", "among the lowest coverage ({value})"),
    "reason_funds": ("地方配套资金未到位 {value}", "local matching funds not arrived: {value}"),
    "drill": ("下钻到下级地区", "Drill down to a sub-region"),
    "drill_help": ("选择一个下级地区,筛选栏随之更新。", "Pick a sub-region; the filter bar follows."),
    "map_tab": ("地图", "Map"),
    "bars_tab": ("条形图", "Bars"),
    "table_tab": ("表格", "Table"),
    "map_hint": ("点击地图上的地区下钻,筛选栏随之更新。",
                 "Click a region on the map to drill down; the filter bar follows."),
    "map_no_shapes": ("下级为乡镇街道或帮扶站点,没有行政边界,以表格列出。",
                      "The sub-regions are townships or help stations, which have no "
                      "boundaries: listed in a table."),
    "map_without": ("。无边界、未画出:{names}(见条形图)",
                    ". No boundary, not drawn: {names} (see the bars)"),
    "kpis": ("关键指标", "Key indicators"),
    "trends": ("趋势", "Trends"),
    "coverage_section": ("覆盖", "Coverage"),
    "relief_section": ("救助构成", "Relief by type and group"),
    "festival_section": ("两节慰问(按春节季)", "Two-festival condolence by Spring Festival season"),
    "festival_note": ("春节在1月下旬至2月中旬之间移动,两节慰问按春节季而不是自然月比较。",
                      "The Spring Festival moves between late January and mid February, so "
                      "two-festival relief is compared season by season, not by calendar month."),
    "medical_section": ("医疗优惠卡与减免", "Medical cards and discounts"),
    "loans_section": ("无息借款", "Interest-free loans"),
    "funds_section": ("资金下拨、到位与支出", "Allocated, received and disbursed"),
    "rates_section": ("执行率与配套到位率", "Execution and matching-fund arrival"),
    "gaps_section": ("资金缺口", "Funding gaps"),
    "gap_line": ("{region}:{year}年地方财政配套资金应到位 {allocated},实际到位 {received},"
                 "缺口 {gap}。", "{region}: {year} local matching funds due {allocated}, "
                 "received {received}, gap {gap}."),
    "matching_due": ("配套应到位", "Matching due"),
    "matching_got": ("配套实际到位", "Matching received"),
    "gap": ("缺口", "Gap"),
    "no_gaps": ("所选范围内地方配套资金均已到位。", "All local matching funds arrived in range."),
    "training_section": ("培训", "Training"),
    "employment_section": ("就业与借款", "Employment and loans"),
    "petitions_section": ("诉求来源与类别", "Petitions by channel and category"),
    "resolution_section": ("办理与化解", "Resolution"),
    # the stages are the chart's own labels: a fixed list here said 县级 in every deployment
    "funnel_section": ("调处层级", "Mediation funnel"),
    "funnel_reached": ("到达该层级的件数", "Petitions reaching the level"),
    "coverage3_section": ("三个普遍", "Union coverage (three universals)"),
    "npc_section": ("人大代表履职", "NPC deputy activity"),
    "dim_fund_source": ("资金来源", "fund source"),
    "dim_category": ("困难类别", "hardship category"),
    "dim_relief_type": ("救助类型", "relief type"),
    "dim_recipient_group": ("救助对象", "recipient group"),
    "dim_course": ("培训项目", "course"),
    "dim_provider": ("培训机构", "provider"),
    "dim_placement_channel": ("就业渠道", "placement channel"),
    "dim_card_kind": ("卡类型", "card kind"),
    "dim_benefit_kind": ("减免项目", "benefit kind"),
    "dim_petition_channel": ("来源渠道", "channel"),
    "dim_petition_category": ("诉求类别", "category"),
    "dim_mediation_level": ("调处层级", "mediation level"),
    "dim_petition_outcome": ("办理结果", "outcome"),
    "dim_npc_kind": ("履职类型", "activity"),
    "dim_region": ("下级地区", "sub-region"),
    "season": ("春节季", "Season"),
    "station_level_note": ("该表不按帮扶站点记录,站点层级无数据。",
                           "This table is not kept by help station."),
    # targets (目标任务): ui/targets_view.py
    "targets_section": ("目标任务完成情况（{year}年）", "Progress against targets ({year})"),
    "targets_none": ("{year}年未设目标任务；可在“数据导入”页下载“目标任务表”模板，填好后上传。",
                     "No targets set for {year}: download the 目标任务表 (targets table) "
                     "template on the Upload page, fill it in and upload it."),
    "target_line": ("目标{target} · 已完成{actual} · 完成率{completion}",
                    "target {target} · done {actual} · {completion} complete"),
    "elapsed_part": ("序时进度{elapsed}（截至{as_of}）", "{elapsed} of the time elapsed (to "
                     "{as_of})"),
    "season_of": ("{season}年春节季", "the {season} Spring Festival season"),
    "with_season": ("{name}（{season}）", "{name} ({season})"),
    "with_note": ("{title}({note})", "{title} ({note})"),
    "ranking_title": ("排名通报：{name}完成率（{year}年）", "Ranking by completion: {name} "
                      "({year})"),
    "ranking_pick": ("排名指标", "Indicator ranked"),
    "col_rank": ("名次", "Rank"),
    "col_target": ("目标", "Target"),
    "col_actual": ("已完成", "Done"),
    "col_completion": ("完成率", "Completion"),
    "col_elapsed": ("序时进度", "Time elapsed"),
    "col_ahead": ("超(+)/落后(−)序时进度(百分点)", "Ahead (+) / behind (−) schedule (points)"),
}
