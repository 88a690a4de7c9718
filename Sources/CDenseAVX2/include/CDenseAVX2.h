// Dense layers over a small batch with AVX2 and FMA, for CPUs that have them:
// the package builds for baseline x86-64 (and arm64), and Swift cannot compile
// one function for another instruction set, so these few functions are C with
// a per-function target. `cdense_avx2_fma_available` says whether this CPU and
// OS run them; elsewhere it returns 0 and the kernel must not be called.
//
// Threading: pure functions of their arguments; no allocation, no locks (the
// audio thread runs them).

#ifndef CDENSE_AVX2_H
#define CDENSE_AVX2_H

#include <stddef.h>

/// 1 when the CPU has AVX2 and FMA and the OS saves the YMM registers, else 0.
int cdense_avx2_fma_available(void);

/// outputs[n * rows + r] = sum over c of weights[r * columns + c] * inputs[n * columns + c]
/// (+ bias[r] when bias is not NULL; max(0, ·) when relu is nonzero; a NaN stays NaN),
/// for n < batch and r < rows. Weights row-major [rows, columns]. Inputs and outputs must not overlap.
void cdense_avx2_fma_matrix_matrix(const float *weights, ptrdiff_t rows, ptrdiff_t columns,
                                   const float *inputs, ptrdiff_t batch, const float *bias,
                                   float *outputs, int relu);

#endif
