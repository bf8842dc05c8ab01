"""Reference values for klimat's scoring tests, computed with established packages.

Run: pip install pingouin factor_analyzer statsmodels && python3 tests/reference/scoring_reference.py
The data and the printed values are copied into src/scoring/tests.rs.
"""
import numpy as np
import pandas as pd
import pingouin as pg
import statsmodels.formula.api as smf
from statsmodels.stats.anova import anova_lm
from factor_analyzer import FactorAnalyzer
from scipy import stats

rng = np.random.default_rng(20261127)
units = np.repeat([0, 1, 2, 3], [8, 10, 7, 11])
level = np.array([-0.6, 0.1, 0.4, 0.9])[units]
latent = level + rng.normal(0, 1, len(units))
items = []
for load in [0.8, 0.7, 0.75, 0.6]:
    x = load * latent + np.sqrt(1 - load**2) * rng.normal(0, 1, len(units))
    items.append(np.clip(np.round(1.2 * x + 1.5), 0, 3).astype(int))
data = pd.DataFrame(np.array(items).T, columns=["a", "b", "c", "d"])
data["unit"] = units

print("UNITS =", [int(u) for u in units])
for c in "abcd":
    print(c.upper(), "=", [int(v) for v in data[c]])

x = data[["a", "b", "c", "d"]]
alpha, ci = pg.cronbach_alpha(data=x, ci=0.95)
n, k = x.shape
lo = 1 - (1 - alpha) * stats.f.ppf(0.975, n - 1, (n - 1) * (k - 1))
hi = 1 - (1 - alpha) * stats.f.ppf(0.025, n - 1, (n - 1) * (k - 1))
print(f"pingouin alpha = {alpha:.10f}, ci (pingouin, rounded) = {ci}, feldt (scipy) = [{lo:.10f}, {hi:.10f}]")
for c in "abcd":
    rest = x.drop(columns=c)
    r = np.corrcoef(x[c], rest.sum(axis=1))[0, 1]
    a_del, _ = pg.cronbach_alpha(data=rest)
    print(f"item {c}: item_total_r = {r:.10f}, alpha_if_deleted (pingouin) = {a_del:.10f}")

fa = FactorAnalyzer(n_factors=1, method="ml", rotation=None)
fa.fit(x)
sd = x.std(ddof=1).to_numpy()
lam = fa.loadings_[:, 0] * sd
theta = sd**2 - lam**2
omega = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
print(f"factor_analyzer ML loadings (standardised) = {fa.loadings_[:, 0]}, omega (covariance scale) = {omega:.10f}")

data["score"] = x.mean(axis=1)
table = anova_lm(smf.ols("score ~ C(unit)", data=data).fit())
msb, msw = table["mean_sq"].iloc[0], table["mean_sq"].iloc[1]
sizes = data.groupby("unit").size().to_numpy()
N, J = sizes.sum(), len(sizes)
k0 = (N - (sizes**2).sum() / N) / (J - 1)
print(f"statsmodels anova: MSB = {msb:.10f}, MSW = {msw:.10f}, k0 = {k0:.10f}")
print(f"ICC1 = {(msb - msw) / (msb + (k0 - 1) * msw):.10f}, ICC2 = {(msb - msw) / msb:.10f}")

null = (4**2 - 1) / 12
for u, g in data.groupby("unit"):
    s2 = g[["a", "b", "c", "d"]].var(ddof=1).mean()
    ratio = min(s2 / null, 1)
    rwg = 4 * (1 - ratio) / (4 * (1 - ratio) + ratio)
    print(f"unit {u}: mean item variance = {s2:.10f}, rwg_j = {rwg:.10f}")
