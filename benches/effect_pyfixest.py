"""The effect estimation of `klimat report effect` done with pyfixest.

Per dimension: person scores (reverse keying, minimum answered), then
feols(score ~ D | unit + wave) clustered by unit, and pyfixest's wild cluster
bootstrap of D (B = 9,999, Webb weights). This computes less than klimat
(no CR2/BM df, no permutation test, no unit-level view, no event study, no
reports).

Usage: python3 benches/effect_pyfixest.py SURVEY.toml RESPONSES.csv PILOTS FIRST_POST_WAVE
"""
import sys
import tomllib
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf

warnings.filterwarnings("ignore")
survey = tomllib.load(open(sys.argv[1], "rb"))
pilots = set(sys.argv[3].split(","))
first_post = sys.argv[4]
lo, hi = survey["scale"]["min"], survey["scale"]["max"]
items = survey["items"]
df = pd.read_csv(sys.argv[2], dtype="category")
frame = pd.DataFrame({"unit": df["unit"].astype(str), "wave": df["wave"].astype(str)})
frame["D"] = (frame["unit"].isin(pilots) & (frame["wave"] >= first_post)).astype(float)
# Integer codes: pyfixest's wild bootstrap (numba) cannot cluster on strings.
frame["unit"] = pd.factorize(frame["unit"])[0]
frame["wave"] = pd.factorize(frame["wave"])[0]
values = {}
for item in items:
    col = df[item["id"]]
    cats = [str(c).strip().lower() for c in col.cat.categories]
    lookup = np.array([float(c) if c not in ("dk", "") else np.nan for c in cats] + [np.nan])
    v = lookup[col.cat.codes.to_numpy()]
    values[item["id"]] = (lo + hi - v) if item.get("reverse") else v
for dim in survey["dimensions"]:
    ids = [i["id"] for i in items if i["dimension"] == dim["id"]]
    x = np.column_stack([values[i] for i in ids])
    answered = (~np.isnan(x)).sum(axis=1)
    need = dim.get("min_answered", (len(ids) + 1) // 2)
    with np.errstate(all="ignore"):
        frame[dim["id"].replace("-", "_")] = np.where(answered >= need, np.nanmean(x, axis=1), np.nan)
for dim in survey["dimensions"]:
    name = dim["id"].replace("-", "_")
    fit = pf.feols(f"{name} ~ D | unit + wave", data=frame, vcov={"CRV1": "unit"})
    boot = fit.wildboottest(param="D", reps=9999, weights_type="webb", seed=1)
    print(dim["id"], float(fit.coef()["D"]), float(fit.se()["D"]), dict(boot), file=sys.stderr)
