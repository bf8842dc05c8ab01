#!/usr/bin/env bash
# Issue 18's figures: `klimat validity` (ML CFA of creative-climate's
# 10-dimension, 40-item model; invariance across 4 waves, 2 arms and the 8
# wave × arm groups) on 1,000,000 simulated respondents, beside lavaan on
# the same file (R reads the CSV, fits the one-group model and the three
# invariance models across the 8 groups).
#
# Usage: bash benches/validity.sh [WORKDIR]   (lavaan: apt-get install r-cran-lavaan)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cargo build --release -q
bin=$PWD/target/release/klimat
survey=surveys/creative-climate.toml
file="$work/validity-1m.csv"

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/last.out" 2> "$work/last.err"
    read -r secs kib < "$work/time"
    printf '%-44s %8.2f s %10.1f MiB\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}

# Few missing answers, so that most rows are complete cases (listwise, as lavaan).
$bin simulate --survey $survey --units 40 --respondents-per-unit 6250 --waves 4 --pilot-units 10 \
    --missing-rate 0.001 --dont-know-rate 0.001 --seed 18 --out "$file" > "$work/sim.out"
pilots=$(sed -n 's/^pilot units: //p' "$work/sim.out")
echo "file: $(($(wc -l < "$file") - 1)) respondents; pilots $pilots"
cat "$file" > /dev/null

for run in 1 2 3; do
    measure "klimat validity, waves only ($run)" $bin validity --survey $survey --responses "$file" --out "$work/v.json"
done
for run in 1 2 3; do
    measure "klimat validity, waves, arms, 8 groups ($run)" $bin validity --survey $survey --responses "$file" \
        --pilot "$pilots" --out "$work/v8.json"
done
python3 - "$work/v8.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("complete cases", r["complete_cases"], "of", r["respondents"], "; one-group CFI %.4f RMSEA %.4f" % (r["model"]["fit"]["cfi"], r["model"]["fit"]["rmsea"]))
for s in r["invariance"]:
    print(" ", s["across"], "->", s["result"]["supported"] if s["result"] else None, "|", s["verdict"])
PY

if Rscript -e 'library(lavaan)' > /dev/null 2>&1; then
    cat > "$work/lavaan.R" <<RS
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("$file", na.strings = c("", "dk"))
d <- d[complete.cases(d), ]
pilots <- strsplit("$pilots", ",")[[1]]
d\$group <- paste(d\$wave, ifelse(d\$unit %in% pilots, "pilot", "control"))
dims <- split(names(d)[3:42], substr(names(d)[3:42], 1, 2))
model <- paste(sprintf("f_%s =~ %s", names(dims), sapply(dims, paste, collapse = " + ")), collapse = "\n")
t0 <- Sys.time(); one <- cfa(model, data = d, estimator = "ML"); t1 <- Sys.time()
cat("lavaan one group:", format(t1 - t0), " chisq", fitMeasures(one, "chisq"), "\n")
t0 <- Sys.time()
conf <- cfa(model, data = d, group = "group")
met <- cfa(model, data = d, group = "group", group.equal = "loadings")
sca <- cfa(model, data = d, group = "group", group.equal = c("loadings", "intercepts"))
t1 <- Sys.time()
cat("lavaan invariance, 8 groups:", format(t1 - t0), "\n")
RS
    measure "lavaan (read + one group + 3 invariance)" timeout 600 Rscript "$work/lavaan.R" || echo "lavaan: did not finish within 10 minutes"
    cat "$work/last.out"
else
    echo "lavaan: not installed (apt-get install r-cran-lavaan) — skipped"
fi

# The ordinal model (WLSMV) beside lavaan's on the first 50,000 rows: lavaan
# keeps every respondent's scores (N × d) in memory, so the full million
# (925,000 complete cases × 900 estimates: 6.7 GB) is out of its reach here.
head -n 50001 "$file" > "$work/validity-50k.csv"
measure "klimat validity, 50k rows (ML + WLSMV)" $bin validity --survey $survey --responses "$work/validity-50k.csv" \
    --out "$work/v50.json"
python3 -c "import json,sys; f=json.load(open(sys.argv[1]))['ordinal_model']['fit']; print('klimat WLSMV chisq.scaled %.6f cfi.scaled %.8f' % (f['chisq_scaled'], f['cfi_scaled']))" "$work/v50.json"
if Rscript -e 'library(lavaan)' > /dev/null 2>&1; then
    cat > "$work/wlsmv.R" <<RS
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("$work/validity-50k.csv", na.strings = c("", "dk"))
d <- d[complete.cases(d), ]
dims <- split(names(d)[3:42], substr(names(d)[3:42], 1, 2))
model <- paste(sprintf("f_%s =~ %s", names(dims), sapply(dims, paste, collapse = " + ")), collapse = "\n")
fit <- cfa(model, data = d, ordered = TRUE, estimator = "WLSMV")
cat("lavaan WLSMV n", nobs(fit), "chisq.scaled", sprintf("%.6f", fitMeasures(fit, "chisq.scaled")),
    "cfi.scaled", sprintf("%.8f", fitMeasures(fit, "cfi.scaled")), "\n")
RS
    measure "lavaan WLSMV, 50k rows (read + fit)" timeout 900 Rscript "$work/wlsmv.R" || echo "lavaan: did not finish within 15 minutes"
    cat "$work/last.out"
fi
