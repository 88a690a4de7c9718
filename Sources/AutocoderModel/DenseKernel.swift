// Dense-layer kernels: y = W x + b with W stored [rows, columns], row-major,
// for the FULLY_CONNECTED and BATCH_MATMUL steps of an InferencePlan.
//
// Three paths: one vector (`matrixVector`), a small batch without BLAS
// (`matrixMatrixSmallBatch`: portable SIMD tiles, or the AVX2/FMA C kernel of
// CDenseAVX2 when the CPU has it), and any batch through BLAS (`matrixMatrix`).
// The batched kernels read each weight once for several vectors, where
// `matrixVector` streams the whole matrix per vector.
//
// Threading: pure functions of their arguments. `matrixVector` and
// `matrixMatrixSmallBatch` neither allocate nor lock (the audio thread runs
// them); `matrixMatrix` calls BLAS, which wakes its own threads: offline only.

internal import CDenseAVX2
internal import COpenBLAS

/// Which code runs the small-batch dense steps of an `InferencePlan`.
public enum BatchKernel: Sendable, CustomStringConvertible {
    /// Swift SIMD, any CPU; equals the single-vector path exactly. Baseline
    /// x86-64 has no FMA and 4-wide registers, so like the single-vector path
    /// it is bound by SSE multiply and add throughput: batching gains about 1.2x.
    case portable
    /// AVX2 with fused multiply-add (C, CDenseAVX2): about 2.3x the portable
    /// kernel from batches of 8 (1.25x the single-vector path at a batch of 1);
    /// equal to the single-vector path within float rounding.
    case avx2FMA

    /// The fastest kernel this CPU runs. Asks the CPU (cpuid): call it off the audio thread.
    public static var fastest: BatchKernel { avx2FMA.isAvailable ? .avx2FMA : .portable }

    public var isAvailable: Bool {
        switch self {
        case .portable: true
        case .avx2FMA: cdense_avx2_fma_available() != 0
        }
    }

    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2FMA: "AVX2+FMA"
        }
    }
}

/// Dense-layer kernels: y = W x + b with W stored [rows, columns], row-major.
enum DenseKernel {
    /// One vector, SIMD, four rows at a time so each load of x feeds four
    /// accumulators. Real-time safe.
    @inline(__always)
    static func matrixVector(weights: UnsafePointer<Float>, rows: Int, columns: Int, input: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, relu: Bool) {
        let wide = columns & ~7
        let x = UnsafeRawPointer(input)
        var row = 0
        while row + 4 <= rows {
            let w0 = UnsafeRawPointer(weights + row * columns)
            let w1 = UnsafeRawPointer(weights + (row + 1) * columns)
            let w2 = UnsafeRawPointer(weights + (row + 2) * columns)
            let w3 = UnsafeRawPointer(weights + (row + 3) * columns)
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var byte = 0
            while byte < wide * 4 {
                let v = x.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
                a0 += w0.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                a1 += w1.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                a2 += w2.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                a3 += w3.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * v
                byte += 32
            }
            var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
            for c in wide..<columns {
                let v = input[c]
                s0 += weights[row * columns + c] * v
                s1 += weights[(row + 1) * columns + c] * v
                s2 += weights[(row + 2) * columns + c] * v
                s3 += weights[(row + 3) * columns + c] * v
            }
            finish(output + row, bias.map { $0 + row }, relu, s0, s1, s2, s3)
            row += 4
        }
        while row < rows {
            let w = UnsafeRawPointer(weights + row * columns)
            var a = SIMD8<Float>()
            var byte = 0
            while byte < wide * 4 {
                a += w.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * x.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
                byte += 32
            }
            var s = a.sum()
            for c in wide..<columns { s += weights[row * columns + c] * input[c] }
            let v = s + (bias?[row] ?? 0)
            output[row] = relu ? max(v, 0) : v
            row += 1
        }
    }

    @inline(__always)
    private static func finish(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>?, _ relu: Bool,
                               _ s0: Float, _ s1: Float, _ s2: Float, _ s3: Float) {
        var v = SIMD4<Float>(s0, s1, s2, s3)
        if let b { v += SIMD4<Float>(b[0], b[1], b[2], b[3]) }
        if relu { v.replace(with: 0, where: v .< 0) }
        y[0] = v[0]; y[1] = v[1]; y[2] = v[2]; y[3] = v[3]
    }

    /// Many vectors without BLAS or allocation: Y[batch, rows] = X[batch, columns] Wᵀ + b,
    /// rows of X and Y one after another. Real-time safe.
    @inline(__always)
    static func matrixMatrixSmallBatch(_ kernel: BatchKernel, weights: UnsafePointer<Float>, rows: Int, columns: Int,
                                       inputs: UnsafePointer<Float>, batch: Int, bias: UnsafePointer<Float>?,
                                       outputs: UnsafeMutablePointer<Float>, relu: Bool) {
        switch kernel {
        case .avx2FMA:
            cdense_avx2_fma_matrix_matrix(weights, rows, columns, inputs, batch, bias, outputs, relu ? 1 : 0)
        case .portable:
            portableSmallBatch(weights: weights, rows: rows, columns: columns, inputs: inputs, batch: batch, bias: bias,
                               outputs: outputs, relu: relu)
        }
    }

    /// Vectors per chunk of the portable kernel (even): the inputs of a chunk
    /// (240 KB at 1000 columns) stay in L2 while every weight row passes over
    /// them once per chunk.
    static var portableChunk: Int { 60 }

    /// Tiles of 2 rows x 2 vectors: with SIMD8 accumulators (two SSE registers
    /// each on baseline x86-64) that is what 16 registers hold without spilling,
    /// and each weight load feeds 2 vectors (measured faster than 1x4, 2x3 and
    /// 2x4). The row left over when `rows` is odd, and the vector left over
    /// when `batch` is, go through `matrixVector`. Every output is summed
    /// exactly as `matrixVector` sums it, so the results are equal.
    @inline(__always)
    private static func portableSmallBatch(weights: UnsafePointer<Float>, rows: Int, columns: Int, inputs: UnsafePointer<Float>,
                                           batch: Int, bias: UnsafePointer<Float>?, outputs: UnsafeMutablePointer<Float>, relu: Bool) {
        let paired = batch & ~1
        var first = 0
        while first < paired {
            let end = min(first + portableChunk, paired)
            var row = 0
            while row + 2 <= rows {
                var n = first
                while n < end {
                    tile2x2(weights: weights + row * columns, columns: columns, inputs: inputs + n * columns, rows: rows,
                            bias: bias.map { $0 + row }, outputs: outputs + n * rows + row, relu: relu)
                    n += 2
                }
                row += 2
            }
            if row < rows {
                for n in first..<end {
                    matrixVector(weights: weights + row * columns, rows: 1, columns: columns, input: inputs + n * columns,
                                 bias: bias.map { $0 + row }, output: outputs + n * rows + row, relu: relu)
                }
            }
            first = end
        }
        if paired < batch {
            matrixVector(weights: weights, rows: rows, columns: columns, input: inputs + paired * columns, bias: bias,
                         output: outputs + paired * rows, relu: relu)
        }
    }

    /// Rows r, r+1 (from `weights`) times vectors n, n+1 (from `inputs`) into
    /// `outputs` (row stride `rows`): 8-lane accumulators, summed as `matrixVector` sums.
    @inline(__always)
    private static func tile2x2(weights: UnsafePointer<Float>, columns: Int, inputs: UnsafePointer<Float>, rows: Int,
                                bias: UnsafePointer<Float>?, outputs: UnsafeMutablePointer<Float>, relu: Bool) {
        let wide = columns & ~7
        let w0 = UnsafeRawPointer(weights), w1 = UnsafeRawPointer(weights + columns)
        let x0 = UnsafeRawPointer(inputs), x1 = UnsafeRawPointer(inputs + columns)
        var a00 = SIMD8<Float>(), a01 = SIMD8<Float>(), a10 = SIMD8<Float>(), a11 = SIMD8<Float>()
        var byte = 0
        while byte < wide * 4 {
            let u0 = w0.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
            let u1 = w1.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
            let v0 = x0.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
            let v1 = x1.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
            a00 += u0 * v0
            a01 += u0 * v1
            a10 += u1 * v0
            a11 += u1 * v1
            byte += 32
        }
        var sums = SIMD4<Float>(a00.sum(), a10.sum(), a01.sum(), a11.sum())   // (row, vector): 00, 10, 01, 11
        for c in wide..<columns {
            let (u0, u1, v0, v1) = (weights[c], weights[columns + c], inputs[c], inputs[columns + c])
            sums += SIMD4<Float>(u0 * v0, u1 * v0, u0 * v1, u1 * v1)
        }
        if let bias { sums += SIMD4<Float>(bias[0], bias[1], bias[0], bias[1]) }
        if relu { sums.replace(with: 0, where: sums .< 0) }
        outputs[0] = sums[0]; outputs[1] = sums[1]
        outputs[rows] = sums[2]; outputs[rows + 1] = sums[3]
    }

    /// Many vectors at once through BLAS: Y[batch, rows] = X[batch, columns] Wᵀ + b.
    static func matrixMatrix(weights: UnsafePointer<Float>, rows: Int, columns: Int, inputs: UnsafePointer<Float>, batch: Int,
                             bias: UnsafePointer<Float>?, outputs: UnsafeMutablePointer<Float>, relu: Bool) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(rows), Int32(columns),
                    1, inputs, Int32(columns), weights, Int32(columns), 0, outputs, Int32(rows))
        for n in 0..<batch {
            let y = outputs + n * rows
            for r in 0..<rows {
                let v = y[r] + (bias?[r] ?? 0)
                y[r] = relu ? max(v, 0) : v
            }
        }
    }
}
