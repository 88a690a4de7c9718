// The AVX2/FMA small-batch dense kernel (see include/CDenseAVX2.h).
//
// Tiles of 4 weight rows x 3 vectors: 12 accumulators, the 3 vectors' inputs
// and one weight row fill the 16 YMM registers, and each weight load feeds 3
// vectors, each input load 4 rows (7 loads per 12 FMAs keeps both FMA units
// busy). Vectors go in chunks whose inputs stay in L2 while every weight row
// passes once per chunk. The tile's shape is a constant at each call site, so
// the compiler unrolls its loops and keeps the accumulators in registers.
//
// Threading: pure functions; no allocation, no locks (the audio thread calls them).

#include "CDenseAVX2.h"

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>

int cdense_avx2_fma_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned xcr0, xcr0High;
    __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0High) : "c"(0));
    if ((xcr0 & 6) != 6) return 0;   // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 5)) != 0;     // AVX2
}

#define AVX2_FMA __attribute__((target("avx2,fma")))
#define TILE_ROWS 4
#define TILE_VECTORS 3
// Vectors per chunk: a multiple of TILE_VECTORS; 60 rows of 1000 inputs are 240 KB.
#define CHUNK 60

AVX2_FMA static inline __m256i first_lanes(ptrdiff_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2_FMA static inline float lane_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

/// The four lane sums of a, b, c, d, in that order.
AVX2_FMA static inline __m128 lane_sums4(__m256 a, __m256 b, __m256 c, __m256 d) {
    __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

/// `R` rows (from `w`) times `V` vectors (from `x`) into `y` (row stride `rows`).
AVX2_FMA __attribute__((always_inline)) static inline void tile(
    const int R, const int V, const float *restrict w, ptrdiff_t columns, const float *restrict x,
    ptrdiff_t rows, const float *restrict bias, float *restrict y, int relu) {
    __m256 acc[TILE_ROWS][TILE_VECTORS];
    for (int r = 0; r < R; r++)
        for (int n = 0; n < V; n++) acc[r][n] = _mm256_setzero_ps();
    ptrdiff_t c = 0;
    for (; c + 8 <= columns; c += 8) {
        __m256 xv[TILE_VECTORS];
        for (int n = 0; n < V; n++) xv[n] = _mm256_loadu_ps(x + n * columns + c);
        for (int r = 0; r < R; r++) {
            const __m256 wv = _mm256_loadu_ps(w + r * columns + c);
            for (int n = 0; n < V; n++) acc[r][n] = _mm256_fmadd_ps(wv, xv[n], acc[r][n]);
        }
    }
    if (c < columns) {   // the last columns % 8, masked (masked-off lanes read nothing and load 0)
        const __m256i m = first_lanes(columns - c);
        __m256 xv[TILE_VECTORS];
        for (int n = 0; n < V; n++) xv[n] = _mm256_maskload_ps(x + n * columns + c, m);
        for (int r = 0; r < R; r++) {
            const __m256 wv = _mm256_maskload_ps(w + r * columns + c, m);
            for (int n = 0; n < V; n++) acc[r][n] = _mm256_fmadd_ps(wv, xv[n], acc[r][n]);
        }
    }
    for (int n = 0; n < V; n++) {
        float *out = y + n * rows;
        if (R == TILE_ROWS) {
            __m128 s = lane_sums4(acc[0][n], acc[1][n], acc[2][n], acc[3][n]);
            if (bias) s = _mm_add_ps(s, _mm_loadu_ps(bias));
            // max(0, s) gives s when s is NaN, as the Swift kernels do.
            if (relu) s = _mm_max_ps(_mm_setzero_ps(), s);
            _mm_storeu_ps(out, s);
        } else {
            for (int r = 0; r < R; r++) {
                float s = lane_sum(acc[r][n]);
                if (bias) s += bias[r];
                out[r] = relu && s < 0 ? 0 : s;
            }
        }
    }
}

/// `R` rows starting at `row` times vectors first..<end.
AVX2_FMA __attribute__((always_inline)) static inline void rows_by_vectors(
    const int R, const float *w, ptrdiff_t rows, ptrdiff_t columns, const float *x, ptrdiff_t first, ptrdiff_t end,
    const float *bias, float *y, int relu, ptrdiff_t row) {
    const float *wr = w + row * columns;
    const float *br = bias ? bias + row : NULL;
    ptrdiff_t n = first;
    for (; n + TILE_VECTORS <= end; n += TILE_VECTORS)
        tile(R, TILE_VECTORS, wr, columns, x + n * columns, rows, br, y + n * rows + row, relu);
    if (end - n == 2) tile(R, 2, wr, columns, x + n * columns, rows, br, y + n * rows + row, relu);
    else if (end - n == 1) tile(R, 1, wr, columns, x + n * columns, rows, br, y + n * rows + row, relu);
}

AVX2_FMA void cdense_avx2_fma_matrix_matrix(const float *weights, ptrdiff_t rows, ptrdiff_t columns,
                                            const float *inputs, ptrdiff_t batch, const float *bias,
                                            float *outputs, int relu) {
    for (ptrdiff_t first = 0; first < batch; first += CHUNK) {
        const ptrdiff_t end = first + CHUNK < batch ? first + CHUNK : batch;
        ptrdiff_t row = 0;
        for (; row + TILE_ROWS <= rows; row += TILE_ROWS)
            rows_by_vectors(TILE_ROWS, weights, rows, columns, inputs, first, end, bias, outputs, relu, row);
        switch (rows - row) {
        case 3: rows_by_vectors(3, weights, rows, columns, inputs, first, end, bias, outputs, relu, row); break;
        case 2: rows_by_vectors(2, weights, rows, columns, inputs, first, end, bias, outputs, relu, row); break;
        case 1: rows_by_vectors(1, weights, rows, columns, inputs, first, end, bias, outputs, relu, row); break;
        default: break;
        }
    }
}

#else

// Not x86-64: the Swift kernel runs everywhere.
int cdense_avx2_fma_available(void) { return 0; }

void cdense_avx2_fma_matrix_matrix(const float *weights, ptrdiff_t rows, ptrdiff_t columns, const float *inputs,
                                   ptrdiff_t batch, const float *bias, float *outputs, int relu) {
    (void)weights; (void)rows; (void)columns; (void)inputs; (void)batch; (void)bias; (void)outputs; (void)relu;
    __builtin_trap();
}

#endif
