"""Reference values for klimat's Sun & Abraham (2021) event study and the Goodman-Bacon (2021)
decomposition, on the rows of tests/data/staggered/csdid.json (staggered_reference.py).

Run: pip install pyfixest && python3 tests/reference/sunab_reference.py
Writes tests/data/staggered/sunab.json:
- the saturated regression y ~ Σ 1{cohort = g, wave − g = e} (e ≠ −1) | unit + wave at the respondent
  level with pyfixest, CRV1 by unit; the interaction-weighted effect per event time (cohort shares of
  the respondents at that event time) and overall (shares over all post-adoption cells), with the
  standard errors of those linear combinations;
- the static two-way fixed-effects estimate on the unit × wave cell means (each cell weighted
  equally), which the Bacon decomposition's weighted 2 × 2 estimates must add up to.
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf

warnings.filterwarnings("ignore")
here = Path(__file__).resolve().parents[1] / "data" / "staggered"
rows = json.loads((here / "csdid.json").read_text())["rows"]
data = pd.DataFrame(rows, columns=["unit", "wave", "cohort", "y"])
treated = data.cohort > 0
data["rel"] = np.where(treated, data.wave - data.cohort, -999)

cells = sorted({(int(g), int(e)) for g, e in zip(data.cohort[treated], data.rel[treated]) if e != -1})
names = []
for g, e in cells:
    name = f"d_{g}_{'m' if e < 0 else ''}{abs(e)}"
    data[name] = ((data.cohort == g) & (data.rel == e)).astype(float)
    names.append(name)
fit = pf.feols(f"y ~ {' + '.join(names)} | unit + wave", data=data, vcov={"CRV1": "unit"})
beta = fit.coef()[names].to_numpy()
vcov = pd.DataFrame(fit._vcov, index=fit._coefnames, columns=fit._coefnames).loc[names, names].to_numpy()
count = {(g, e): int(((data.cohort == g) & (data.rel == e)).sum()) for g, e in cells}


def combination(weights):
    r = np.array([weights.get(c, 0.0) for c in cells])
    return float(r @ beta), float(np.sqrt(r @ vcov @ r))


event = []
for e in sorted({e for _, e in cells}):
    total = sum(n for (g, f), n in count.items() if f == e)
    est, se = combination({(g, f): n / total for (g, f), n in count.items() if f == e})
    event.append({"event_time": e, "estimate": est, "se": se})
post_total = sum(n for (g, e), n in count.items() if e >= 0)
overall = combination({(g, e): n / post_total for (g, e), n in count.items() if e >= 0})

means = data.groupby(["unit", "wave", "cohort"], as_index=False).y.mean()
means["d"] = ((means.cohort > 0) & (means.wave >= means.cohort)).astype(float)
twfe = pf.feols("y ~ d | unit + wave", data=means)

out = {
    "coefficients": [{"cohort": g, "event_time": e, "estimate": float(b), "se": float(np.sqrt(v))}
                     for (g, e), b, v in zip(cells, beta, np.diag(vcov))],
    "event_study": event,
    "overall": {"estimate": overall[0], "se": overall[1]},
    "twfe_cell_means": float(twfe.coef()["d"]),
}
(here / "sunab.json").write_text(json.dumps(out, indent=1))
print(json.dumps(out["event_study"], indent=0), out["overall"], out["twfe_cell_means"])
