# Reference values for klimat's polychoric correlations, computed with lavaan
# (two-step: thresholds from each item's margin, then each correlation by
# maximum likelihood on the pair's contingency table).
#
# Run: apt-get install r-base-core r-cran-lavaan r-cran-psych
#      Rscript tests/reference/polychoric_reference.R
# Writes tests/data/polychoric/bfi-agreeableness-conscientiousness-extraversion.csv
# (psych's copy of the public bfi data, 15 six-point items, complete cases)
# and tests/data/polychoric/lavaan-reference.json, which
# tests/integration/polychoric.rs compares with klimat's estimates.
suppressPackageStartupMessages({ library(lavaan); library(psych) })

out_dir <- "tests/data/polychoric"
data(bfi, package = "psych")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5))
x <- na.omit(bfi[, items])
write.csv(x, file.path(out_dir, "bfi-agreeableness-conscientiousness-extraversion.csv"),
          row.names = FALSE, quote = FALSE)

num <- function(v) paste0("[", paste(sprintf("%.12g", v), collapse = ", "), "]")
fit <- lavCor(x, ordered = items, output = "fit")
th <- lavInspect(fit, "sampstat")$th
rho <- lavInspect(fit, "sampstat")$cov
thresholds <- sapply(items, function(i) num(th[grepl(paste0("^", i, "\\|"), names(th))]))
rows <- sapply(seq_along(items), function(r) num(rho[r, ]))
# psych's estimate of the same (global thresholds), as a second opinion.
psych_rho <- polychoric(x, global = TRUE)$rho
psych_rows <- sapply(seq_along(items), function(r) num(psych_rho[r, ]))
# The ML model of the three dimensions (first item the marker) and its
# modification indices for cross-loadings, for the validity report's hints.
ml <- cfa("agreeableness =~ A1 + A2 + A3 + A4 + A5
           conscientiousness =~ C1 + C2 + C3 + C4 + C5
           extraversion =~ E1 + E2 + E3 + E4 + E5", data = x, estimator = "ML")
mi <- modindices(ml, op = "=~", sort. = FALSE)
mi_rows <- sprintf('{"factor": "%s", "item": "%s", "mi": %.12g, "sepc_all": %.12g}',
                   mi$lhs, tolower(mi$rhs), mi$mi, mi$sepc.all)
json <- paste0(
  "{\n",
  '  "source": "lavaan ', as.character(packageVersion("lavaan")), " lavCor(ordered) and psych ",
  as.character(packageVersion("psych")), ' polychoric(global = TRUE) on psych::bfi, complete cases",\n',
  '  "n": ', nrow(x), ",\n",
  '  "items": [', paste0('"', items, '"', collapse = ", "), "],\n",
  '  "thresholds": [\n    ', paste(thresholds, collapse = ",\n    "), "\n  ],\n",
  '  "lavaan": [\n    ', paste(rows, collapse = ",\n    "), "\n  ],\n",
  '  "psych": [\n    ', paste(psych_rows, collapse = ",\n    "), "\n  ],\n",
  '  "ml_modindices": [\n    ', paste(mi_rows, collapse = ",\n    "), "\n  ]\n",
  "}\n")
writeLines(json, file.path(out_dir, "lavaan-reference.json"))
