#include "foreign_score.h"

static int64_t ink_call_count;

float ink(const float *x, int64_t n) {
    __atomic_add_fetch(&ink_call_count, 1, __ATOMIC_SEQ_CST);
    double total = 0;
    for (int64_t i = 0; i < n; i++) total += (x[i] + 1.0) / 2.0;
    return (float)(total / (double)n);
}

void ink_grad(const float *x, int64_t n, float *gradient) {
    (void)x;
    for (int64_t i = 0; i < n; i++) gradient[i] = (float)(0.5 / (double)n);
}

double ink_double(int32_t n, const float *x) { return (double)ink(x, n); }

/* How many times ink was called (the tests check that gradients are computed lazily). */
int64_t ink_calls(void) { return __atomic_load_n(&ink_call_count, __ATOMIC_SEQ_CST); }
