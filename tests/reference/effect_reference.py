"""Reference values for klimat's effect tests, computed with established packages.

Run: pip install wildboottest statsmodels && python3 tests/reference/effect_reference.py
The data and the printed values are copied into src/evaluation/tests.rs.
"""
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from wildboottest.wildboottest import wildboottest

rng = np.random.default_rng(56002)
rows = []
pilot = {0, 3, 5}
for g in range(8):
    level = rng.normal(0, 0.4)
    for t in range(3):
        for _ in range(2 + (g * 7 + t * 3) % 4):
            effect = 0.5 if (g in pilot and t == 2) else 0.0
            y = 3.0 + level + 0.1 * t + effect + rng.normal(0, 0.8)
            rows.append((g, t, round(y, 2)))
df = pd.DataFrame(rows, columns=["unit", "wave", "y"])
df["d"] = ((df.unit.isin(pilot)) & (df.wave == 2)).astype(float)
print("ROWS =", [(int(g), int(t), float(y)) for g, t, y in rows])

model = smf.ols("y ~ C(unit) + C(wave) + d", data=df)
fit = model.fit(cov_type="cluster", cov_kwds={"groups": df["unit"]})
print(f"statsmodels: d = {fit.params['d']:.10f}, CR1 se (K = all {len(fit.params)} columns) = {fit.bse['d']:.10f}")
for w in ["rademacher", "webb"]:
    res = wildboottest(model, param="d", cluster=df["unit"], B=99999, weights_type=w, seed=1, show=False)
    print(w, res.to_dict("records"))
