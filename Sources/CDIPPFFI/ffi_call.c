#include "dipp_ffi.h"
#include <ffi.h>

static ffi_type *length_ffi_type(int length_type) { return length_type == DIPP_FFI_INT32 ? &ffi_type_sint32 : &ffi_type_sint64; }

int dipp_ffi_score(void *function, int return_type, int length_type, int length_first,
                   const float *x, int64_t n, int64_t batch, double *scores) {
    ffi_cif cif;
    ffi_type *arguments[2];
    arguments[length_first ? 1 : 0] = &ffi_type_pointer;
    arguments[length_first ? 0 : 1] = length_ffi_type(length_type);
    ffi_type *result_type = return_type == DIPP_FFI_DOUBLE ? &ffi_type_double : &ffi_type_float;
    ffi_status status = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, result_type, arguments);
    if (status != FFI_OK) return (int)status;
    int64_t length64 = n;
    int32_t length32 = (int32_t)n;
    for (int64_t i = 0; i < batch; i++) {
        const float *sample = x + i * n;
        void *values[2];
        values[length_first ? 1 : 0] = &sample;
        values[length_first ? 0 : 1] = length_type == DIPP_FFI_INT32 ? (void *)&length32 : (void *)&length64;
        if (return_type == DIPP_FFI_DOUBLE) {
            double result = 0;
            ffi_call(&cif, FFI_FN(function), &result, values);
            scores[i] = result;
        } else {
            /* libffi widens small return values into an ffi_arg-sized slot; float is returned as is. */
            union { float f; ffi_arg pad; } result;
            ffi_call(&cif, FFI_FN(function), &result, values);
            scores[i] = (double)result.f;
        }
    }
    return 0;
}

int dipp_ffi_gradient(void *function, int length_type, const float *x, int64_t n, int64_t batch, float *gradients) {
    ffi_cif cif;
    ffi_type *arguments[3] = {&ffi_type_pointer, length_ffi_type(length_type), &ffi_type_pointer};
    ffi_status status = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_void, arguments);
    if (status != FFI_OK) return (int)status;
    int64_t length64 = n;
    int32_t length32 = (int32_t)n;
    for (int64_t i = 0; i < batch; i++) {
        const float *sample = x + i * n;
        float *out = gradients + i * n;
        void *values[3] = {&sample, length_type == DIPP_FFI_INT32 ? (void *)&length32 : (void *)&length64, &out};
        ffi_call(&cif, FFI_FN(function), NULL, values);
    }
    return 0;
}
