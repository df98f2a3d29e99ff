"""Effect estimation: the public API (usable without Streamlit, on Polars frames).

- `did`: difference-in-differences, 2×2 or two-way fixed effects (pyfixest);
- `event_study`: effects by relative period with staggered adoption (Sun–Abraham, pyfixest);
- `its`: interrupted time series, Gaussian / Poisson / quasi-Poisson GLM (statsmodels);
- placebo runs with a fake start, `suggest_design` for method and comparison regions,
  `sentence` for the plain-language reading.

Each returns a frozen result (`EffectResult` and subclasses) with estimate, std_error,
ci_low, ci_high, p_value, n_obs, method, diagnostics and warnings.

Modules: `estimators/` (did, its, event, prep), `placebo`, `design`, `result`, `text` (the
sentence and warnings); for the page, `data` (outcomes and panels from the warehouse), `run`
(one analysis as the page runs it), `figures` and `messages`.
"""

from analytics.effects import messages  # registers the page's words in core.messages
from analytics.effects.design import Design, suggest_design, treated_counties
from analytics.effects.estimators.did import did
from analytics.effects.estimators.event import event_study
from analytics.effects.estimators.its import its
from analytics.effects.placebo import (
    placebo_did,
    placebo_event_study,
    placebo_its,
    with_placebo,
)
from analytics.effects.result import (
    BLOCKING_WARNINGS,
    Diagnostics,
    EffectResult,
    EventStudyResult,
    ItsResult,
)
from analytics.effects.text import sentence, warning_text

__all__ = [
    "BLOCKING_WARNINGS",
    "Design",
    "Diagnostics",
    "EffectResult",
    "EventStudyResult",
    "ItsResult",
    "did",
    "event_study",
    "its",
    "messages",
    "placebo_did",
    "placebo_event_study",
    "placebo_its",
    "sentence",
    "suggest_design",
    "treated_counties",
    "warning_text",
    "with_placebo",
]
