"""Reference values for klimat's staggered-adoption estimator (Callaway & Sant'Anna 2021),
computed with csdid, the Python port of R's `did`, on repeated cross-sections.

Run: pip install csdid && python3 tests/reference/staggered_reference.py
Writes tests/data/staggered/csdid.json: the rows (unit, wave, cohort, y) and, for both control
groups and both base periods, every ATT(g, t) and the four aggregations (simple, dynamic, group,
calendar) with their analytical standard errors, unclustered and clustered by unit; and the
uniform band of the event study (bootstrap standard errors and critical value) as csdid's
multiplier bootstrap by unit computes it, over every Rademacher sign pattern.
"""
import contextlib
import io
import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt
from scipy.stats import norm

warnings.filterwarnings("ignore")
rng = np.random.default_rng(19002)

# 14 units over 6 waves: cohorts adopting before waves 3, 4 and 5 (3, 3 and 2 units), 6 never.
cohort_of = {u: g for u, g in enumerate([3, 3, 3, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0, 0])}
rows = []
for unit, cohort in cohort_of.items():
    level = rng.normal(0, 0.3)
    for wave in range(1, 7):
        for _ in range(int(rng.integers(3, 11))):
            exposure = wave - cohort + 1 if cohort and wave >= cohort else 0
            y = 3.0 + level + 0.05 * wave + 0.15 * exposure + rng.normal(0, 0.7)
            rows.append((unit, wave, cohort, round(float(y), 3)))
data = pd.DataFrame(rows, columns=["unit", "wave", "cohort", "y"])
data["id"] = np.arange(len(data))


def estimate(control, base, cluster):
    fit = ATTgt(yname="y", tname="wave", idname="id", gname="cohort", data=data.copy(),
                control_group=control, panel=False, clustervar="unit" if cluster else None)
    with contextlib.redirect_stdout(io.StringIO()):
        fit.fit(est_method="dr", base_period=base, bstrap=False)
    return fit


def number(v):
    v = float(v)
    return None if np.isnan(v) else v


def aggregations(fit):
    out = {}
    for kind in ["simple", "dynamic", "group", "calendar"]:
        with contextlib.redirect_stdout(io.StringIO()):  # aggte prints its summary
            fit.aggte(typec=kind, bstrap=False, cband=False)
        a = fit.atte
        entry = {"overall": number(a["overall_att"]), "overall_se": number(np.ravel(a["overall_se"])[0])}
        if kind != "simple":
            entry["at"] = [number(v) for v in a["egt"]]
            entry["att"] = [number(v) for v in a["att_egt"]]
            entry["se"] = [number(v) for v in np.ravel(a["se_egt"])]
        out[kind] = entry
    return out


cases = []
for control in ["nevertreated", "notyettreated"]:
    for base in ["varying", "universal"]:
        plain, clustered = estimate(control, base, False), estimate(control, base, True)
        r, rc = plain.results, clustered.results
        cells = [
            {"cohort": int(g), "wave": int(t), "att": float(a), "se": number(s), "se_clustered": number(sc)}
            for g, t, a, s, sc in zip(r["group"], r["year"], r["att"], r["se"], rc["se"])
        ]
        cases.append({"control": control, "base": base, "cells": cells,
                      "aggregations": aggregations(plain), "aggregations_clustered": aggregations(clustered)})

# The uniform band of the event study, as csdid's mboot computes it with Rademacher weights by unit
# (the bootstrap standard error from the interquartile range, the critical value the 95 % quantile of
# the largest |draw / se|), over all 2^14 sign patterns instead of random draws, from csdid's
# influence functions of the event-study estimates.
band = estimate("nevertreated", "varying", True)
with contextlib.redirect_stdout(io.StringIO()):
    band.aggte(typec="dynamic", bstrap=False, cband=False)
influence = band.atte["inf_function"]["dynamic_inf_func_e"]
sums = np.array([influence[data.unit.to_numpy() == u].sum(axis=0) for u in sorted(cohort_of)])
signs = np.array(list(itertools.product([-1, 1], repeat=len(sums))))
draws = signs @ sums / np.sqrt(len(sums))
quantile = lambda x, p: np.quantile(x, p, axis=0, method="inverted_cdf")
sigma = (quantile(draws, 0.75) - quantile(draws, 0.25)) / (norm.ppf(0.75) - norm.ppf(0.25))
bands = {"control": "nevertreated", "base": "varying", "draws": len(signs),
         "critical": float(quantile(np.max(np.abs(draws / sigma), axis=1), 0.95)),
         "se": [float(v) for v in sigma * np.sqrt(len(sums)) / len(data)]}

out = Path(__file__).resolve().parents[1] / "data" / "staggered" / "csdid.json"
out.write_text(json.dumps({"rows": rows, "cases": cases, "band": bands}, indent=1))
print(f"{len(rows)} rows, {len(cases)} cases -> {out}")
for case in cases:
    print(case["control"], case["base"], {k: round(v["overall"], 6) for k, v in case["aggregations"].items()})
