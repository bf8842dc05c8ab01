"""The score analysis of `klimat score` done the usual way: pandas + pingouin.

Same file, same figures per wave and dimension: person scores with reverse
keying and the minimum-answered rule; n, mean, SD, 95 % CI per wave and unit;
Cronbach's alpha with its CI (pingouin); corrected item-total r and alpha if
deleted (pingouin); don't-know and missing rates; ICC(1)/ICC(2) from the
one-way ANOVA (pingouin); rwg(j) per unit. Written to be fast: categorical
parsing, numpy arrays, one groupby per wave. (pingouin has no omega; it is
left out, which favours this side.)

Usage: python3 benches/score_pingouin.py SURVEY.toml RESPONSES.csv
"""
import sys
import tomllib
import warnings

import numpy as np
import pandas as pd
import pingouin as pg

warnings.filterwarnings("ignore", category=RuntimeWarning)  # all-missing rows
survey = tomllib.load(open(sys.argv[1], "rb"))
lo, hi = survey["scale"]["min"], survey["scale"]["max"]
points = hi - lo + 1
items = survey["items"]
ids = [i["id"] for i in items]
df = pd.read_csv(sys.argv[2], dtype="category")

values = np.empty((len(df), len(ids)))
dk = np.empty((len(df), len(ids)), dtype=bool)
missing = np.empty((len(df), len(ids)), dtype=bool)
for j, item in enumerate(items):
    col = df[item["id"]]
    cats = [str(c).strip().lower() for c in col.cat.categories]
    lookup = np.array([float(c) if c not in ("dk", "") else np.nan for c in cats] + [np.nan])
    is_dk = np.array([c == "dk" for c in cats] + [False])
    codes = col.cat.codes.to_numpy()  # -1 for an empty cell → the last lookup entry
    v = lookup[codes]
    values[:, j] = (lo + hi - v) if item.get("reverse") else v
    dk[:, j] = is_dk[codes]
    missing[:, j] = codes == -1

null = (points**2 - 1) / 12
waves = df["wave"].astype(str).to_numpy()
units = df["unit"].astype(str).to_numpy()
wave_rows = {w: waves == w for w in np.unique(waves)}
rates = {w: (dk[r].mean(axis=0), missing[r].mean(axis=0)) for w, r in wave_rows.items()}
out = []
for dim in survey["dimensions"]:
    cols = [j for j, i in enumerate(items) if i["dimension"] == dim["id"]]
    need = dim.get("min_answered", (len(cols) + 1) // 2)
    x = values[:, cols]
    answered = (~np.isnan(x)).sum(axis=1)
    score = np.where(answered >= need, np.nanmean(x, axis=1), np.nan)
    frame = pd.DataFrame(x, columns=[ids[j] for j in cols])
    frame["score"], frame["wave"], frame["unit"] = score, waves, units
    for wave, w in frame.groupby("wave"):
        s = w.dropna(subset=["score"])
        stats = s.groupby("unit")["score"].agg(["count", "mean", "std"])
        stats["half"] = 1.96 * stats["std"] / np.sqrt(stats["count"])
        complete = w[[ids[j] for j in cols]].dropna()
        alpha, ci = pg.cronbach_alpha(data=complete)
        for i in complete.columns:
            rest = complete.drop(columns=i)
            r = np.corrcoef(complete[i], rest.sum(axis=1))[0, 1]
            a, _ = pg.cronbach_alpha(data=rest)
            dk_rate, missing_rate = rates[wave][0][ids.index(i)], rates[wave][1][ids.index(i)]
            out.append((wave, dim["id"], i, r, a, dk_rate, missing_rate))
        aov = pg.anova(data=s, dv="score", between="unit", detailed=True)
        msb, msw = aov["MS"].iloc[0], aov["MS"].iloc[1]
        sizes = stats["count"].to_numpy()
        n, j = sizes.sum(), len(sizes)
        k0 = (n - (sizes**2).sum() / n) / (j - 1)
        icc1 = (msb - msw) / (msb + (k0 - 1) * msw)
        icc2 = (msb - msw) / msb
        var = w.groupby("unit")[[ids[j] for j in cols]].var(ddof=1).mean(axis=1).clip(upper=null)
        rwg = len(cols) * (1 - var / null) / (len(cols) * (1 - var / null) + var / null)
        out.append((wave, dim["id"], len(s), s["score"].mean(), alpha, icc1, icc2, rwg.median()))
print(f"{len(out)} result rows", file=sys.stderr)
