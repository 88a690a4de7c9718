// What the model-side readers refuse, and how they say it: weights holding
// NaN or infinity (a diverged training run), symbolic-link loops, files that
// are no model (refused on their first bytes, before the rest is read), and
// .npy files in Fortran order, which are read, not refused.
//
// The Fortran-order fixtures were made with numpy 2.4:
//   np.save("fortran-order-f8.npy", np.arange(12, dtype="<f8").reshape(3, 4).T)
//   np.save("fortran-order-i8.npy", np.arange(24, dtype="<i8").reshape(2, 3, 4).T)

import AutocoderModel
import Foundation
import Testing

@Suite struct ModelFileCheckTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models").path

    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "autocoder-model-checks-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func problem(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    /// A copy of a fixture model whose first weight tensor has `values` written over its first elements.
    func corruptedCopy(of name: String, with values: [Float], in directory: String) throws -> (anchor: String, tensor: String) {
        let anchor = directory + "/" + name
        for ext in [".dec", ".mm"] { try FileManager.default.copyItem(atPath: Self.fixtures + "/" + name + ext, toPath: anchor + ext) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: anchor + ".dec")))
        let model = try TFLiteModel(bytes: bytes, path: anchor + ".dec")
        let tensor = try #require(model.tensors.first { ($0.constant?.count ?? 0) >= 64 && $0.shape.count == 2 })
        let start = tensor.constant!.prefix(16).flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        let offset = try #require((0...bytes.count - start.count).first { bytes[$0..<$0 + start.count].elementsEqual(start) })
        for (k, value) in values.enumerated() {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(offset + 4 * k * 3..<offset + 4 * k * 3 + 4, with: $0) }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: anchor + ".dec"))
        return (anchor, tensor.name)
    }

    @Test func aDecoderWithNaNWeightsIsRefusedNamingTheTensor() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (anchor, tensor) = try corruptedCopy(of: "new-full-shallow", with: [.nan, .nan, .nan], in: directory)
        let message = problem { _ = try ModelBundle(anchor: anchor, parts: [.decoder]) }
        #expect(message == "\(anchor).dec: tensor '\(tensor)' holds 3 non-finite values (NaN) — a diverged training run?")
    }

    @Test func mixedNonFiniteWeightsAreCountedByKind() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (anchor, tensor) = try corruptedCopy(of: "old-tiny-shallow", with: [.infinity, .nan, -.infinity, .nan], in: directory)
        let message = problem { _ = try TFLiteModel(contentsOf: anchor + ".dec") }
        #expect(message == "\(anchor).dec: tensor '\(tensor)' holds 4 non-finite values (2 NaN, 1 +inf, 1 -inf) — a diverged training run?")
    }

    @Test func aSymbolicLinkLoopIsNamedAsSuch() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.fixtures + "/new-tiny-shallow.mm", toPath: directory + "/loop.wav.mm")
        try FileManager.default.createSymbolicLink(atPath: directory + "/loop.wav.dec", withDestinationPath: directory + "/other.dec")
        try FileManager.default.createSymbolicLink(atPath: directory + "/other.dec", withDestinationPath: directory + "/loop.wav.dec")
        try FileManager.default.createSymbolicLink(atPath: directory + "/dangling.wav.mm", withDestinationPath: directory + "/gone.mm")
        #expect(problem { _ = try ModelBundle(anchor: directory + "/loop.wav", parts: [.decoder]) }
            == "\(directory)/loop.wav.dec: is a symbolic-link loop (ELOOP: too many levels of symbolic links)")
        #expect(problem { _ = try ModelMetadata(contentsOf: directory + "/dangling.wav.mm") }
            == "\(directory)/dangling.wav.mm: is a symbolic link to a file that does not exist")
        #expect(problem { _ = try NumPyArray(contentsOf: directory + "/none.npy") } == "\(directory)/none.npy: no such file")
    }

    /// A sparse file of `size` bytes starting with `start`.
    func sparseFile(_ path: String, size: Int, start: [UInt8]) throws {
        try Data(start).write(to: URL(fileURLWithPath: path))
        #expect(truncate(path, off_t(size)) == 0)
    }

    func peakResidentKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }

    @Test func aLargeFileThatIsNoModelIsRefusedOnItsFirstBytes() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/big.wav.dec"
        try sparseFile(path, size: 1 << 30, start: Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8))
        let before = peakResidentKilobytes()
        #expect(problem { _ = try TFLiteModel(contentsOf: path) }
            == "\(path): not a TensorFlow Lite file: its identifier (bytes 4–7) is not text, not TFL3")
        let grown = peakResidentKilobytes() - before
        #expect(grown < 100_000, "reading grew the peak memory by \(grown) KB: the 1 GB file was read")

        let large = directory + "/large.wav.dec"
        try sparseFile(large, size: 300 << 20, start: [0x1C, 0, 0, 0] + Array("TFL3".utf8))
        #expect(problem { _ = try TFLiteModel(contentsOf: large) }
            == "\(large): is 300.0 MB; a TensorFlow Lite model is at most 256.0 MB, so it is not read")
        #expect(peakResidentKilobytes() - before < 100_000)
    }

    @Test func fortranOrderedArraysAreReadInCOrder() throws {
        let matrix = try NumPyArray(contentsOf: Self.fixtures + "/fortran-order-f8.npy")
        #expect(matrix.shape == [4, 3])
        // a.T[i][j] = a[j][i] = 4j + i
        #expect(matrix.values == (0..<4).flatMap { i in (0..<3).map { j in Double(4 * j + i) } })
        let cube = try NumPyArray(contentsOf: Self.fixtures + "/fortran-order-i8.npy")
        #expect(cube.shape == [4, 3, 2] && cube.dtype == "<i8")
        // b.T[i][j][k] = b[k][j][i] = 12k + 4j + i
        var expected: [Double] = []
        for i in 0..<4 { for j in 0..<3 { for k in 0..<2 { expected.append(Double(12 * k + 4 * j + i)) } } }
        #expect(cube.values == expected)
    }
}
