/* An ordinary C library (not a DIPP plugin) whose scoring functions DIPP calls through libffi. */
#ifndef FOREIGN_SCORE_H
#define FOREIGN_SCORE_H
#include <stdint.h>
/* Ink: the mean brightness, r = (1/n) Σ (x_i + 1)/2, for images in [-1, 1]. */
float ink(const float *x, int64_t n);
void ink_grad(const float *x, int64_t n, float *gradient);
/* The same score with a double result and the length first, to exercise the other signatures. */
double ink_double(int32_t n, const float *x);
#endif
