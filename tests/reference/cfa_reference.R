# Reference values for klimat's confirmatory factor analysis, computed with lavaan.
#
# Run: apt-get install r-base-core r-cran-lavaan
#      Rscript tests/reference/cfa_reference.R
# Writes tests/data/cfa/holzinger-swineford-1939.csv (lavaan's copy of the
# public Holzinger & Swineford (1939) data: 301 pupils, nine tests, two
# schools) and tests/data/cfa/lavaan-reference.json, which
# tests/integration/cfa.rs compares with klimat's estimates.
suppressPackageStartupMessages(library(lavaan))

out_dir <- "tests/data/cfa"
hs <- HolzingerSwineford1939
items <- paste0("x", 1:9)
write.csv(data.frame(school = hs$school, hs[, items]), file.path(out_dir, "holzinger-swineford-1939.csv"),
          row.names = FALSE, quote = FALSE)

model <- "visual =~ x1 + x2 + x3
          textual =~ x4 + x5 + x6
          speed =~ x7 + x8 + x9"
measures <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr")

num <- function(x) sprintf("%.12g", x)
obj <- function(names, values) paste0("{", paste0('"', names, '": ', values, collapse = ", "), "}")
fit_json <- function(fit) {
  fm <- fitMeasures(fit, measures)
  obj(gsub(".", "_", measures, fixed = TRUE), num(unname(fm)))
}
params_json <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE, se = TRUE)
  std <- standardizedSolution(fit, type = "std.all")
  rows <- character(0)
  for (r in seq_len(nrow(pe))) {
    if (!(pe$op[r] %in% c("=~", "~~", "~1"))) next
    g <- if (is.null(pe$group)) 1 else pe$group[r]
    s <- std[std$lhs == pe$lhs[r] & std$op == pe$op[r] & std$rhs == pe$rhs[r] &
             (if (is.null(std$group)) TRUE else std$group == g), ]
    rows <- c(rows, obj(c("group", "lhs", "op", "rhs", "est", "se", "std", "std_se"),
                        c(g - 1, paste0('"', pe$lhs[r], '"'), paste0('"', pe$op[r], '"'),
                          paste0('"', pe$rhs[r], '"'), num(pe$est[r]), num(pe$se[r]),
                          num(s$est.std[1]), num(s$se[1]))))
  }
  paste0("[", paste(rows, collapse = ",\n  "), "]")
}

one <- cfa(model, data = hs, estimator = "ML")
configural <- cfa(model, data = hs, group = "school", estimator = "ML")
metric <- cfa(model, data = hs, group = "school", group.equal = "loadings", estimator = "ML")
scalar <- cfa(model, data = hs, group = "school", group.equal = c("loadings", "intercepts"), estimator = "ML")
partial <- cfa(model, data = hs, group = "school", group.equal = c("loadings", "intercepts"),
               group.partial = c("x3 ~ 1", "x7 ~ 1"), estimator = "ML")
lrt <- lavTestLRT(configural, metric, scalar)
# Score tests of the loadings the model fixes at zero (cross-loadings).
mi <- modindices(one, op = "=~", sort. = FALSE)
mi_rows <- sapply(seq_len(nrow(mi)), function(r)
  obj(c("lhs", "rhs", "mi", "epc"),
      c(paste0('"', mi$lhs[r], '"'), paste0('"', mi$rhs[r], '"'), num(mi$mi[r]), num(mi$epc[r]))))

json <- paste0('{\n"lavaan": "', packageVersion("lavaan"), '",\n',
  '"groups": ["', paste(lavInspect(configural, "group.label"), collapse = '", "'), '"],\n',
  '"one_group": {"fit": ', fit_json(one), ',\n "parameters": ', params_json(one),
  ',\n "modindices": [', paste(mi_rows, collapse = ",\n  "), ']},\n',
  '"configural": {"fit": ', fit_json(configural), ',\n "parameters": ', params_json(configural), '},\n',
  '"metric": {"fit": ', fit_json(metric), '},\n',
  '"scalar": {"fit": ', fit_json(scalar), ',\n "parameters": ', params_json(scalar), '},\n',
  '"partial_x3_x7": {"fit": ', fit_json(partial), '},\n',
  '"lrt": {"chisq_diff": [', paste(num(lrt[["Chisq diff"]][-1]), collapse = ", "),
  '], "df_diff": [', paste(num(lrt[["Df diff"]][-1]), collapse = ", "),
  '], "p": [', paste(num(lrt[["Pr(>Chisq)"]][-1]), collapse = ", "), ']}\n}\n')
writeLines(json, file.path(out_dir, "lavaan-reference.json"))
