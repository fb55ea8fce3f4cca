# Writes the R-packaged sets of bench/tabular.py as CSV files into the folder given as the
# only argument: mlbench's through data(), caret's .RData files through base R's load() (caret
# itself need not load). Factors are written as their labels (so numeric-looking levels read as
# numbers), missing cells as empty cells, and id columns are dropped.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript tabular_data.R OUTPUT_FOLDER")
out <- args[1]
dir.create(out, showWarnings = FALSE, recursive = TRUE)

write_set <- function(frame, name) {
  write.csv(frame, file.path(out, paste0(name, ".csv")), row.names = FALSE, na = "")
}

for (name in c("Satellite", "LetterRecognition", "Vowel", "BreastCancer", "HouseVotes84",
               "Soybean", "Ozone", "Servo",
               # the held-out sets (tabular_sets.HOLDOUT_SETS)
               "Sonar", "Ionosphere", "Glass", "PimaIndiansDiabetes2", "Vehicle", "Zoo",
               "BostonHousing")) {
  data(list = name, package = "mlbench", envir = environment())
  frame <- get(name)
  if (name == "BreastCancer") frame$Id <- NULL  # sample code number
  write_set(frame, name)
}

caret_data <- system.file("data", package = "caret")
if (caret_data == "") stop("the caret package's data folder was not found")
load(file.path(caret_data, "GermanCredit.RData"))
write_set(GermanCredit, "GermanCredit")
load(file.path(caret_data, "segmentationData.RData"))
segmentationData$Cell <- NULL  # cell id
segmentationData$Case <- NULL  # the original Train/Test assignment
write_set(segmentationData, "segmentationData")
load(file.path(caret_data, "Sacramento.RData"))
write_set(Sacramento, "Sacramento")
load(file.path(caret_data, "BloodBrain.RData"))  # descriptors and the target, apart
write_set(cbind(bbbDescr, logBBB = logBBB), "BloodBrain")
load(file.path(caret_data, "cars.RData"))
write_set(cars, "cars")
