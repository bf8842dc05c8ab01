"""Reference values for klimat's stepped-wedge power (Hussey & Hughes 2007, cross-sectional design,
random cluster intercepts, fixed period effects): the variance of the treatment effect computed
directly by generalised least squares on the cluster-period means, with numpy.

Run: python3 tests/reference/stepped_wedge_reference.py
Writes tests/data/stepped_wedge/gls.json: per design (clusters × periods treatment pattern,
respondents per cluster-period m, ICC rho, total variance 1) Var(theta) = [(X' V^-1 X)^-1]_theta,
V block-diagonal per cluster: sigma^2 I + tau^2 J, sigma^2 = (1 - rho) / m, tau^2 = rho.
"""
import json
from pathlib import Path

import numpy as np


def gls_variance(pattern, m, rho):
    pattern = np.asarray(pattern, dtype=float)
    clusters, periods = pattern.shape
    sigma2, tau2 = (1 - rho) / m, rho
    block = sigma2 * np.eye(periods) + tau2 * np.ones((periods, periods))
    inv = np.linalg.inv(block)
    info = np.zeros((periods + 1, periods + 1))
    for i in range(clusters):
        x = np.column_stack([np.eye(periods), pattern[i]])  # period effects, then theta
        info += x.T @ inv @ x
    return float(np.linalg.inv(info)[-1, -1])


def stepped(clusters, steps, per_step):
    """Periods = steps + 1; `per_step` clusters cross over at each step, the rest stay untreated."""
    rows = []
    for i in range(clusters):
        step = i // per_step + 1
        rows.append([1 if step <= steps and t >= step else 0 for t in range(steps + 1)])
    return rows


def parallel(clusters, steps):
    """Half the clusters treated from the first step on, the other half never."""
    return [[1 if i < clusters // 2 and t >= 1 else 0 for t in range(steps + 1)] for i in range(clusters)]


designs = []
for clusters, steps, per_step, m, rho in [(12, 4, 3, 20, 0.05), (24, 3, 8, 30, 0.1), (40, 4, 10, 25, 0.02),
                                          (9, 3, 3, 10, 0.2), (12, 3, 3, 20, 0.05)]:
    for kind, pattern in [("stepped", stepped(clusters, steps, per_step)), ("parallel", parallel(clusters, steps))]:
        designs.append({"kind": kind, "clusters": clusters, "steps": steps, "per_step": per_step, "m": m,
                        "rho": rho, "pattern": pattern, "variance": gls_variance(pattern, m, rho)})
out = Path(__file__).resolve().parents[1] / "data" / "stepped_wedge" / "gls.json"
out.write_text(json.dumps(designs, indent=1))
for d in designs:
    print(d["kind"], d["clusters"], d["steps"], d["per_step"], d["m"], d["rho"], round(d["variance"], 8))
