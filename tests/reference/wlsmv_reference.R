# Reference values for klimat's ordinal factor model (DWLS on polychoric
# correlations, robust standard errors, the mean-and-variance adjusted
# "scaled-shifted" chi-square and its scaled CFI, TLI and RMSEA), computed
# with lavaan's cfa(..., ordered = TRUE, estimator = "WLSMV").
#
# Run: apt-get install r-base-core r-cran-lavaan
#      Rscript tests/reference/wlsmv_reference.R
# Reads tests/data/polychoric/bfi-agreeableness-conscientiousness-extraversion.csv
# (written by polychoric_reference.R) and writes
# tests/data/polychoric/lavaan-wlsmv.json, which tests/integration/wlsmv.rs
# compares with klimat's estimates: once on all 2,563 complete cases, once on
# the first 80 (where a six-point item has a category nobody chose,
# which lavaan, like klimat, leaves out of the item's thresholds).
suppressPackageStartupMessages(library(lavaan))

x <- read.csv("tests/data/polychoric/bfi-agreeableness-conscientiousness-extraversion.csv")
model <- "agreeableness =~ A1 + A2 + A3 + A4 + A5
          conscientiousness =~ C1 + C2 + C3 + C4 + C5
          extraversion =~ E1 + E2 + E3 + E4 + E5"
num <- function(v) paste0("[", paste(sprintf("%.12g", v), collapse = ", "), "]")

case <- function(label, data) {
  fit <- cfa(model, data = data, ordered = TRUE, estimator = "WLSMV")
  fm <- fitMeasures(fit, c("chisq", "df", "chisq.scaled", "chisq.scaling.factor",
                           "baseline.chisq", "baseline.chisq.scaled", "cfi", "tli",
                           "cfi.scaled", "tli.scaled", "rmsea", "rmsea.ci.lower",
                           "rmsea.ci.upper", "rmsea.scaled", "rmsea.ci.lower.scaled",
                           "rmsea.ci.upper.scaled", "srmr"))
  test <- lavInspect(fit, "test")$scaled.shifted
  pe <- parameterEstimates(fit, standardized = TRUE)
  ss <- standardizedSolution(fit)
  stopifnot(all(ss$lhs == pe$lhs & ss$op == pe$op & ss$rhs == pe$rhs))
  row <- function(r) sprintf(
    '{"lhs": "%s", "op": "%s", "rhs": "%s", "est": %.12g, "se": %.12g, "std_all": %.12g, "std_se": %.12g}',
    pe$lhs[r], pe$op[r], pe$rhs[r], pe$est[r], pe$se[r], pe$std.all[r], ss$se[r])
  keep <- which(pe$op %in% c("=~", "~~", "|"))
  G <- lavInspect(fit, "gamma")
  nth <- sum(pe$op == "|")
  paste0(
    '  "', label, '": {\n',
    '    "n": ', nrow(data), ",\n",
    '    "measures": {', paste(sprintf('"%s": %.12g', names(fm), fm), collapse = ", "), "},\n",
    '    "shift": ', sprintf("%.12g", test$shift.parameter), ",\n",
    '    "thresholds": ', nth, ",\n",
    '    "gamma_diagonal": ', num(diag(G)), ",\n",
    '    "gamma_rows": {"1": ', num(G[1, ]), ', "', nth + 1, '": ', num(G[nth + 1, ]),
    ', "', nrow(G), '": ', num(G[nrow(G), ]), "},\n",
    '    "parameters": [\n      ', paste(sapply(keep, row), collapse = ",\n      "), "\n    ]\n",
    "  }")
}

json <- paste0(
  "{\n",
  '  "source": "lavaan ', as.character(packageVersion("lavaan")),
  ' cfa(ordered = TRUE, estimator = \\"WLSMV\\") on psych::bfi, complete cases",\n',
  case("all", x), ",\n",
  case("first_80", x[1:80, ]), "\n",
  "}\n")
writeLines(json, "tests/data/polychoric/lavaan-wlsmv.json")
