/* model.h - the tuner's cost model: an analytical prior from a candidate's params and
 * scheduled IR, corrected by what this run measured (a least-squares line from the prior to
 * log time, and k nearest neighbours on the features for what the line misses). */
#ifndef TIR_AUTOSCHED_MODEL_H
#define TIR_AUTOSCHED_MODEL_H

#include "rules.h"

enum { AS_NFEAT = 20 };

/* What the model knows of a candidate. */
typedef struct as_features {
  double f[AS_NFEAT];
  double prior; /* analytical estimate of log2 time, up to a constant (lower is faster) */
} as_features;

/* Features of a candidate: its params "p" for target "t" and the scheduled body of "f". */
void as_features_of(const ir_func *f, const as_target *t, const as_params *p, int threads,
                    as_features *out);

typedef struct as_model {
  as_features *x;
  double *y; /* log2 seconds measured */
  int n, cap;
  double a, b; /* y ~ a + b * prior */
  double mean[AS_NFEAT], scale[AS_NFEAT];
} as_model;

/* Learn one measurement; as_model_fit refits (after each round). */
void as_model_add(as_model *m, const as_features *x, double seconds);
void as_model_fit(as_model *m);
/* Predicted log2 seconds (lower is better). */
double as_model_predict(const as_model *m, const as_features *x);
void as_model_free(as_model *m);

#endif
