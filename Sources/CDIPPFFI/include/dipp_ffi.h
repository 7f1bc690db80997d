#ifndef DIPP_FFI_H
#define DIPP_FFI_H
/* Calls a C scoring function whose signature is known only at run time, through libffi.
 * The supported shapes (parsed and checked in Swift before anything is called):
 *   score:    R  f(const float *x, L n)      or  R f(L n, const float *x)
 *   gradient: void g(const float *x, L n, float *grad)
 * with R = float | double and L = int64_t | int32_t. */
#include <stdint.h>

enum { DIPP_FFI_FLOAT = 1, DIPP_FFI_DOUBLE = 2, DIPP_FFI_INT64 = 3, DIPP_FFI_INT32 = 4 };

/* Calls `function` once per sample: x is batch × n floats; writes batch scores (as double).
 * Returns 0, or libffi's ffi_status when the call interface cannot be prepared. */
int dipp_ffi_score(void *function, int return_type, int length_type, int length_first,
                   const float *x, int64_t n, int64_t batch, double *scores);

/* Calls `function(x_i, n, grad_i)` once per sample. */
int dipp_ffi_gradient(void *function, int length_type, const float *x, int64_t n, int64_t batch, float *gradients);

#endif
