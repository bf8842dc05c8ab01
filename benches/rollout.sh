#!/usr/bin/env bash
# Issue 19's figure: the roll-out report (Callaway & Sant'Anna with both control groups, every
# aggregation, the multiplier bootstrap with B = 9,999, Sun & Abraham, TWFE with the Bacon
# decomposition; creative-climate's 10 dimensions; Markdown, JSON and CSV) on 1,000,000 simulated
# respondents in 40 units over 8 waves, 3 cohorts of 8 units — beside csdid (Python) on the same
# file: att_gt with panel = False, clustered by unit, and the event-study aggregation with its
# bootstrap band, for one dimension score.
#
# Usage: bash benches/rollout.sh [WORKDIR]   (csdid: pip install csdid; KLIMAT_BIN to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
if [ -z "${KLIMAT_BIN:-}" ]; then cargo build --release -q; fi
bin=${KLIMAT_BIN:-$PWD/target/release/klimat}
survey=surveys/creative-climate.toml
file="$work/rollout-1m.csv"

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/last.out" 2> "$work/last.err"
    read -r secs kib < "$work/time"
    printf '%-52s %8.2f s %10.1f MiB\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}

$bin simulate --survey $survey --units 40 --respondents-per-unit 3125 --waves 8 \
    --cohorts 3:8,5:8,7:8 --effect idea-support=0.3 --effect-growth 0.5 --seed 19 \
    --out "$file" --adoption-out "$work/adoption.csv" > "$work/sim.out"
echo "file: $(($(wc -l < "$file") - 1)) respondents"
cat "$file" > /dev/null

for run in 1 2 3; do
    measure "klimat roll-out report, 10 dimensions ($run)" $bin report effect --survey $survey \
        --responses "$file" --adoption "$work/adoption.csv" --out "$work/report"
done
grep -A12 '^## Idea support' "$work/report/rollout.md" | head -14

# csdid on the same respondents: one dimension's person score (the mean of its answered items,
# reverse-keyed, at least half answered — as klimat scores), computed before timing.
python3 - "$survey" "$file" "$work/adoption.csv" "$work/scores.csv" <<'PY'
import sys, tomllib, pandas as pd, numpy as np
survey = tomllib.load(open(sys.argv[1], "rb"))
dim = "idea-support"
items = [i for i in survey["items"] if i["dimension"] == dim]
data = pd.read_csv(sys.argv[2], dtype=str)
lo, hi = survey["scale"]["min"], survey["scale"]["max"]
vals = []
for i in items:
    x = pd.to_numeric(data[i["id"]], errors="coerce")
    x = x.where((x >= lo) & (x <= hi))
    vals.append((lo + hi - x) if i.get("reverse") else x)
m = pd.concat(vals, axis=1)
need = -(-len(items) // 2)
score = m.mean(axis=1).where(m.notna().sum(axis=1) >= need)
waves = sorted(data["wave"].unique())
adopt = pd.read_csv(sys.argv[3], dtype=str).fillna("")
first = {u: waves.index(w) + 1 for u, w in zip(adopt.unit, adopt.first_wave) if w}
out = pd.DataFrame({"unit": data["unit"].map(lambda u: int(u.split("-")[1])),
                    "wave": data["wave"].map(lambda w: waves.index(w) + 1),
                    "cohort": data["unit"].map(lambda u: first.get(u, 0)), "y": score}).dropna()
out["id"] = np.arange(len(out))
out.to_csv(sys.argv[4], index=False)
PY
cat > "$work/csdid_run.py" <<'PY'
import sys, io, contextlib, warnings, pandas as pd, numpy as np
from csdid.att_gt import ATTgt
warnings.filterwarnings("ignore")
data = pd.read_csv(sys.argv[1])
np.random.seed(1)
fit = ATTgt(yname="y", tname="wave", idname="id", gname="cohort", data=data, control_group="nevertreated",
            panel=False, clustervar="unit", biters=9999)
with contextlib.redirect_stdout(io.StringIO()):
    fit.fit(est_method="dr", base_period="universal", bstrap=True)
    fit.aggte(typec="dynamic", bstrap=True, cband=True, biters=9999, clustervars="unit")
print("csdid event-study overall", fit.atte["overall_att"])
PY
for run in 1 2 3; do
    measure "csdid, 1 dimension, event study + band ($run)" python3 "$work/csdid_run.py" "$work/scores.csv"
done
cat "$work/last.out"
python3 - "$work/report/rollout.json" <<'PY'
import json, sys
d = next(x for x in json.load(open(sys.argv[1]))["dimensions"] if x["id"] == "idea-support")
print("klimat event-study overall", d["event_overall"]["estimate"])
PY

# Randomisation inference over 100,000 schedules for 40 units: a schedule drawn for the 40 units
# (3 steps of 8), the same file's answers re-simulated with that adoption, the report with the test.
units=$(seq -f "unit-%02g" 1 40 | paste -sd,)
$bin design roll-out --units "$units" --steps 3 --units-per-step 8 --seed 19 --out "$work/schedule.json" > /dev/null
python3 - "$work/schedule.json" "$work/adoption-ri.csv" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
waves = ["2025-03", "2026-03", "2027-03"]  # waves 3, 5 and 7
with open(sys.argv[2], "w") as f:
    f.write("unit,first_wave\n")
    for k, units in enumerate(s["steps"]):
        for u in units:
            f.write(f"{u},{waves[k]}\n")
PY
$bin simulate --survey $survey --units 40 --respondents-per-unit 3125 --waves 8 --adoption "$work/adoption-ri.csv" \
    --effect idea-support=0.3 --effect-growth 0.5 --seed 19 --out "$work/rollout-ri.csv" > /dev/null
for run in 1 2 3; do
    measure "klimat roll-out report + randomisation, 100,000 ($run)" $bin report effect --survey $survey \
        --responses "$work/rollout-ri.csv" --adoption "$work/adoption-ri.csv" --schedule "$work/schedule.json" \
        --reps 100000 --out "$work/report-ri"
done
grep -m1 "Randomisation test" "$work/report-ri/rollout.md"
