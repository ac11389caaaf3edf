# Reference run of R MatchIt on the cohort written by match_scale.py.
# Usage: Rscript benchmarks/match_scale_matchit.R DIR   (reads DIR/cohort.csv, writes DIR/matchit_pairs.csv)
suppressMessages(library(MatchIt))
dir <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(dir, "cohort.csv"), colClasses = c(id = "character", n_mets = "character"))
rownames(d) <- d$id
t0 <- proc.time()[["elapsed"]]
m <- matchit(treat ~ age + interval_months + year, data = d, method = "nearest",
             distance = "mahalanobis", exact = ~ sex + child_pugh + n_mets,
             caliper = c(age = 5, interval_months = 12, year = 2), std.caliper = FALSE)
secs <- proc.time()[["elapsed"]] - t0
mm <- m$match.matrix[, 1]
mm <- mm[!is.na(mm)]
write.csv(data.frame(treated_id = names(mm), control_id = unname(mm)),
          file.path(dir, "matchit_pairs.csv"), row.names = FALSE)
cat(sprintf("MatchIt %s: pairs %d  matchit seconds %.2f  peak MB (R gc max) %.0f\n",
            packageVersion("MatchIt"), length(mm), secs, sum(gc()[, 6])))
