// Dense-layer kernels: y = W x + b with W stored [rows, columns], row-major,
// for the FULLY_CONNECTED and BATCH_MATMUL steps of an InferencePlan.
//
// Threading: pure functions of their arguments. `matrixVector` neither
// allocates nor locks (the audio thread runs it); `matrixMatrix` calls BLAS,
// for offline use.

internal import COpenBLAS

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
