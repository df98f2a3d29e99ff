"""The 干预评估 page's words, the "effects" domain of the message catalogue (core/messages.py);
the dimensions' names are the "app" domain's (app.dim_*)."""

from __future__ import annotations

from core.messages import register

MESSAGES: dict[str, tuple[str, str]] = {
    "intro": ("选择一项干预措施和一个结果指标，估计措施实施后的变化及其95%置信区间，并查看事前趋势、"
              "安慰剂检验等诊断。诊断未通过时，结果不能作为因果结论。",
              "Pick an intervention and an outcome to estimate the change after the start with "
              "its 95% interval, and check the diagnostics (pre-trends, placebo). When a "
              "diagnostic fails the estimate is not causal evidence."),
    "all_months": ("分析使用全部月份的数据，不受侧栏时间范围限制。",
                   " The analysis uses every month of data, whatever the sidebar's period."),
    "intervention": ("干预措施", "Intervention"),
    "scopes": ("{n}个地区，{start}起", "{n} regions, from {start}"),
    "outcome": ("结果指标", "Outcome"),
    "cuts": ("指标细分", "Restrict the outcome"),
    "method": ("方法", "Method"),
    "method_its": ("中断时间序列", "Interrupted time series"),
    "method_did": ("双重差分", "Difference-in-differences"),
    "method_event_study": ("事件研究（交错实施）", "Event study (staggered)"),
    "suggested": ("建议：{method}。{reason}", "Suggested: {method}. {reason}"),
    "reason_staggered": ("各地区实施时间不同，用事件研究（Sun–Abraham 交互加权估计）。",
                         "Regions started at different dates: an event study (Sun–Abraham)."),
    "reason_all_treated": ("措施覆盖所有地区，没有对照组，用中断时间序列。",
                           "Every region is covered, so there is no comparison: a time series."),
    "reason_single_region": ("只有一个地区实施，用中断时间序列；也可选择对照地区做双重差分。",
                             "One region: a time series; a DiD against comparison regions is "
                             "possible too."),
    "reason_treated_and_untreated": ("有实施地区和未实施地区，用双重差分（双向固定效应）。",
                                     "Treated and untreated regions: difference-in-differences."),
    "comparison": ("对照地区（可修改）", "Comparison regions (editable)"),
    "treated_regions": ("实施地区：{names}", "Treated regions: {names}"),
    "settings": ("模型设置", "Model settings"),
    "seasonality": ("季节项（正弦/余弦对数）", "Seasonal harmonic pairs"),
    "hac": ("Newey–West 稳健标准误", "Newey–West (HAC) errors"),
    "hac_auto": ("自动（残差自相关时）", "Automatic (when autocorrelated)"),
    "hac_on": ("使用", "On"),
    "hac_off": ("不用", "Off"),
    "slope_change": ("估计斜率变化", "Estimate a slope change"),
    "period_width": ("事件时间单位（月）", "Event-time unit (months)"),
    "effect": ("效应", "Effect"),
    "effect_ratio": ("变化（率比）", "Change (rate ratio)"),
    "ci": ("95%置信区间", "95% CI"),
    "p_value": ("p值", "p-value"),
    "n_obs": ("观测数", "Observations"),
    "pretrend": ("事前趋势检验 p", "Pre-trend test p"),
    "placebo": ("安慰剂检验", "Placebo (fake date)"),
    "placebo_help": ("在实施前的数据上假设一个虚构的实施日期，重新估计。虚构日期不应有“效果”。",
                     "The same estimate on pre-intervention data with a fake start; a fake "
                     "start should show no 'effect'."),
    "not_applicable": ("不适用", "n/a"),
    "counterfactual_title": ("{outcome}：实际值与反事实", "{outcome}: observed and counterfactual"),
    "event_title": ("{outcome}：按相对实施时间的效应", "{outcome}: effect by time since the start"),
    "diagnostics": ("诊断", "Diagnostics"),
    "estimator": ("估计方法：{text}", "Estimator: {text}"),
    "no_interventions": ("干预措施登记表为空：请先在“数据导入”页导入干预措施登记表。",
                         "The intervention registry is empty: load an intervention registry "
                         "on the Upload page first."),
    "no_treated": ("这项措施在数据中没有对应的地区。", "This measure covers no region in the data."),
    "need_comparison": ("请至少选择一个对照地区。", "Pick at least one comparison region."),
    "per_month": ("每月", "per month"),
    "failed": ("无法估计：{error}", "Could not estimate: {error}"),
}


register("effects", MESSAGES)
