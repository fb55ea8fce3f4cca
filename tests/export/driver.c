/* Runs an exported C model on the rows make_models wrote and compares with plexus' outputs.
 * Built per model with -DMODEL_HEADER='"name.h"' -DPREDICT=name_predict -DFEATURES=NAME_FEATURES
 * -DOUTPUTS=NAME_OUTPUTS, and -DPREDICT_CLASS=name_predict_class for a classifier.
 *   driver ROWS EXPECTED   prints the largest relative error; exits 1 above the tolerance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include MODEL_HEADER

/* Relative to |expected|, with a floor so that outputs near zero compare absolutely; a model
 * whose outputs are in the units of its target passes its own floor (-DFLOOR=...), as the ONNX
 * checks do: near zero, float sums in another order differ by more than 1e-5 relative. */
#ifndef FLOOR
#define FLOOR 1e-3
#endif
static const double kTolerance = 1e-5, kFloor = FLOOR;

static int read_header(FILE* f, const char* path, int* rows, int* cols) {
  if (!f || fscanf(f, "%d %d", rows, cols) != 2) {
    fprintf(stderr, "driver: cannot read %s\n", path);
    return 0;
  }
  return 1;
}

int main(int argc, char** argv) {
  FILE* in = argc == 3 ? fopen(argv[1], "r") : NULL;
  FILE* ex = argc == 3 ? fopen(argv[2], "r") : NULL;
  int rows, cols, erows, ecols, bad_class = 0;
  double worst = 0.0;
  if (argc != 3) return fprintf(stderr, "usage: driver ROWS EXPECTED\n"), 2;
  if (!read_header(in, argv[1], &rows, &cols) || !read_header(ex, argv[2], &erows, &ecols))
    return 2;
  if (cols != FEATURES || ecols != OUTPUTS || rows != erows)
    return fprintf(stderr, "driver: the files do not fit the model\n"), 2;
  for (int r = 0; r < rows; ++r) {
    float features[FEATURES], outputs[OUTPUTS], expected[OUTPUTS];
    char word[64];
    for (int i = 0; i < FEATURES; ++i) {
      if (fscanf(in, "%63s", word) != 1) return fprintf(stderr, "driver: short rows file\n"), 2;
      features[i] = strtof(word, NULL); /* "nan" reads as NaN */
    }
    for (int k = 0; k < OUTPUTS; ++k)
      if (fscanf(ex, "%f", &expected[k]) != 1) return fprintf(stderr, "driver: short file\n"), 2;
    PREDICT(features, outputs);
    for (int k = 0; k < OUTPUTS; ++k) {
      const double scale = fabs(expected[k]) > kFloor ? fabs(expected[k]) : kFloor;
      const double error = fabs((double)outputs[k] - expected[k]) / scale;
      worst = isnan(error) ? INFINITY : error > worst ? error : worst;
    }
#ifdef PREDICT_CLASS
    {
      const int c = PREDICT_CLASS(features);
      int best = 0;
      for (int k = 1; k < OUTPUTS; ++k)
        if (expected[k] > expected[best]) best = k;
      if (c != best && expected[c] < expected[best] - 1e-6f) ++bad_class;
    }
#endif
  }
  printf("%d rows, max relative error %.3g (tolerance %g), %d wrong classes\n", rows, worst,
         kTolerance, bad_class);
  return worst <= kTolerance && bad_class == 0 ? 0 : 1;
}
