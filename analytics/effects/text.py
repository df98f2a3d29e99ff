"""Plain-language sentences about an effect estimate, in Chinese or English.

The sentence states the change and its 95% interval. When a diagnostic fails it opens with
the warning and drops causal wording ("措施使…下降" becomes "实施后观察到…").
"""

from __future__ import annotations

from analytics.effects.result import BLOCKING_WARNINGS, EffectResult
from core.messages import has, pick, register, render

WARNINGS: dict[str, tuple[str, str]] = {
    "pretrend_rejected": (
        "实施前处理组与对照组的趋势已不同（事前趋势检验 p={p}），平行趋势假设不成立",
        "treated and comparison units already trended apart before the start "
        "(pre-trend test p={p}); parallel trends do not hold",
    ),
    "few_clusters": (
        "聚类数只有 {clusters} 个，置信区间可能过窄",
        "only {clusters} clusters: the interval may be too narrow",
    ),
    "few_treated_units": (
        "处理组只有 {treated} 个地区，差异可能来自该地区的其他变化",
        "only {treated} treated region(s): the difference may come from anything else "
        "that changed there",
    ),
    "placebo_significant": (
        "安慰剂检验（虚构的实施日期）也显示出“效果”（p={placebo}）",
        "the placebo check (a fake start date) also shows an 'effect' (p={placebo})",
    ),
    "autocorrelation": (
        "残差存在自相关（p={auto}），请使用 Newey–West 稳健标准误",
        "residuals are autocorrelated (p={auto}); use Newey–West (HAC) errors",
    ),
    "short_pre_period": (
        "实施前只有 {pre} 期数据，趋势估计不可靠",
        "only {pre} periods before the start: the trend is not reliable",
    ),
    "overdispersion": (
        "计数数据过度离散（离散系数 {disp}），建议使用准泊松模型",
        "counts are overdispersed (dispersion {disp}); use the quasi-Poisson model",
    ),
    "serial_correlation_unhandled": (
        "面板数据未按地区聚类，标准误可能偏小",
        "panel errors are not clustered by region and may be too small",
    ),
    "no_never_treated": (
        "没有始终未实施的地区，以最后实施的地区在其实施前作为对照",
        "no region never adopted: the last adopters serve as comparison until they start",
    ),
    "always_treated_dropped": (
        "数据开始前已实施的地区已排除",
        "regions treated before the data begin were left out",
    ),
    "nonpositive_dropped": (
        "取对数时剔除了取值为零或负的观测",
        "observations of zero or below were dropped to take logs",
    ),
}

register("effect_warning", WARNINGS)
register("effect_text", {
    "caution": ("注意：{reasons}。以下结果不能作为措施效果的证据：实施后{scope}{outcome}观察到{change}。",
                "Caution: {reasons}. This is not evidence of the measure's effect: after the "
                "start, {outcome}{scope}: {change}."),
    "no_change": ("实施后{scope}{outcome}未见明显变化（估计{signed}，区间包含零变化）。",
                  "No clear change in {outcome}{scope} after the start (estimate {signed}); "
                  "the interval includes no change."),
    "change": ("实施后{scope}{outcome}{change}。", "After the start, {outcome}{scope}: {change}."),
    "size": ("{word}约{size}（95%置信区间：{interval}）", "about {size} {word} (95% CI: {interval})"),
    "signed": ("{est}，95%置信区间：{low}至{high}", "{est}, 95% CI {low} to {high}"),
    "interval": ("{low}～{high}", "{low} to {high}"),
    "up": ("上升", "higher"), "down": ("下降", "lower"),
    "more": ("增加", "more"), "less": ("减少", "fewer"),
})


def warning_text(code: str, result: EffectResult, lang: str = "zh") -> str:
    """One warning, with the numbers that triggered it (an unknown code as written)."""
    if not has(f"effect_warning.{code}"):
        return code
    d = result.diagnostics
    return render(f"effect_warning.{code}", lang,
                  p=_p(d.pretrend_p), clusters=d.n_clusters, treated=d.n_treated_units,
                  placebo=_p(d.placebo_p), auto=_p(d.autocorrelation_p), pre=d.n_pre_periods,
                  disp=f"{d.dispersion:.2f}" if d.dispersion is not None else "—")


def sentence(
    result: EffectResult,
    outcome_label: str,
    *,
    lang: str = "zh",
    per: str | None = None,
    digits: int = 1,
) -> str:
    """E.g. '实施后每月越级信访下降约18%（95%置信区间：9%–26%）。'

    `per` is the period word ('每月' / 'per month'); `digits` the decimals of a level change.
    When a blocking diagnostic fails the sentence starts with the warnings and says what was
    observed, not what the intervention caused.
    """
    words = {"outcome": outcome_label, "change": _change(result, lang, digits),
             "scope": pick((per or "", f" {per}" if per else ""), lang)}
    blocking = [w for w in result.warnings if w in BLOCKING_WARNINGS]
    if blocking:
        reasons = pick(("；", "; "), lang).join(warning_text(w, result, lang) for w in blocking)
        return render("effect_text.caution", lang, reasons=reasons, **words)
    if not result.significant:
        return render("effect_text.no_change", lang, signed=_signed(result, lang, digits),
                      **words)
    return render("effect_text.change", lang, **words)


def _change(result: EffectResult, lang: str, digits: int) -> str:
    """'下降约18%（95%置信区间：9%–26%）' or 'about 13% lower (95% CI: 9%–26%)'."""
    relative = result.relative()
    if relative is not None:
        est, low, high = (v * 100 for v in relative)
        unit, fmt = "%", "{:.0f}"
        up, down = "up", "down"
    else:
        est, low, high = result.estimate, result.ci_low, result.ci_high
        unit, fmt = "", f"{{:,.{digits}f}}"
        up, down = "more", "less"
    word = render(f"effect_text.{up if est >= 0 else down}", lang)
    # Interval as magnitudes in the direction of the estimate: "9%–26%" for a fall of 18%.
    sign = 1 if est >= 0 else -1
    lo, hi = sorted((sign * low, sign * high))
    interval = f"{fmt.format(lo)}{unit}–{fmt.format(hi)}{unit}"
    return render("effect_text.size", lang, word=word, size=f"{fmt.format(abs(est))}{unit}",
                  interval=interval)


def _signed(result: EffectResult, lang: str, digits: int) -> str:
    """'−3%（95%置信区间：−7%至+2%）': signed, for an interval that straddles no change."""
    relative = result.relative()
    if relative is not None:
        values, fmt = [v * 100 for v in relative], "{:+.0f}%"
    else:
        values, fmt = [result.estimate, result.ci_low, result.ci_high], f"{{:+,.{digits}f}}"
    est, low, high = (fmt.format(v) for v in values)
    return render("effect_text.signed", lang, est=est, low=low, high=high)


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def effect_figures(result: EffectResult, lang: str = "zh", digits: int = 2) -> tuple[str, str]:
    """(estimate, interval) for a metric card: '-40%' and '-50% – -27%' on a ratio or log
    scale (as changes), else the level difference."""
    relative = result.relative()
    if relative is not None:
        est, low, high = (f"{v * 100:+.0f}%" for v in relative)
    else:
        est, low, high = (f"{v:+,.{digits}f}" for v in
                          (result.estimate, result.ci_low, result.ci_high))
    return est, render("effect_text.interval", lang, low=low, high=high)


def p_text(value: float | None) -> str:
    return _p(value)
