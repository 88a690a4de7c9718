// `.mm` files as real tools write them: tolerant separators, wide rows, and clear errors.

import Testing
import AutocoderModel

@Suite struct ModelMetadataTests {
    static let published = """
    0.821985, 0.879463, 0.635266, 0.894627, 1.189730, 0.419660, 0.521297, 0.866368
    -1.088618, 0.270288, -0.482744, -0.972409, 0.369229, 0.069220, -0.540431, -0.906266
    0.000000, 123.456000, 512.000000, 1000.000000, 8.000000, 1.000000, 0.000000, 0.000000

    """

    @Test func readsThePublishedFormat() throws {
        let m = try ModelMetadata(text: Self.published, path: "a.mm")
        #expect(m.scaleMult.count == 8 && m.scaleMult[4] == 1.18973)
        #expect(m.scaleSubtract[0] == -1.088618)
        #expect(m.minIn == 0 && m.maxIn == 123.456)
        #expect(m.inputDim == 512 && m.intermediateDim == 1000 && m.encodedDim == 8 && m.deep)
        #expect(m.text == Self.published.replacingOccurrences(of: "\n\n", with: "\n"))
    }

    @Test(arguments: [",", " ", "\t", " , "])
    func acceptsOtherSeparators(separator: String) throws {
        let text = Self.published.replacingOccurrences(of: ", ", with: separator)
        #expect(try ModelMetadata(text: text, path: "a.mm") == ModelMetadata(text: Self.published, path: "a.mm"))
    }

    @Test func acceptsMoreThanEightLatentDimensions() throws {
        let text = """
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        0, 0, 0, 0, 0, 0, 0, 0, 0, -1
        0, 5, 512, 1000, 10, 0, 0, 0, 0, 0
        """
        let m = try ModelMetadata(text: text, path: "a.mm")
        #expect(m.encodedDim == 10 && m.scaleMult.last == 10 && m.scaleSubtract.last == -1)
    }

    @Test(arguments: [
        ("1, 2\n3, 4\n", "expected 3 rows (scale_mult, scale_subtract, dims), found 2"),
        ("1, 2\n3, 4\n0, 1, 512, 1000\n", "row 3 has 4 values; expected minin, maxin, input_dim, intermediate_dim, encoded_dim, deep"),
        ("1, 2\n3, 4\n0, 1, 512, 1000, 8, 0\n", "encoded_dim is 8 but the scale rows have 2 and 2 values"),
        ("1, 2, 3\n3, 4, 5\n0, 1, 512, 1000, 2, 0\n", "row 1 has 3 values but encoded_dim is 2"),
        ("1, nan\n3, 4\n0, 1, 512, 1000, 2, 0\n", "line 1: 'nan' is not a finite number"),
        ("1, 2\n3, x\n0, 1, 512, 1000, 2, 0\n", "line 2: 'x' is not a finite number"),
        ("1, 2\n3, 4\n0, 1, 512.5, 1000, 2, 0\n", "input_dim is 512.5; expected a positive whole number"),
        ("1, 2\n3, 4\n0, 1, 512, 1000, 0, 0\n", "encoded_dim is 0.0; expected a positive whole number"),
    ])
    func refusesMalformedFiles(text: String, problem: String) {
        #expect(throws: ModelFileError(path: "bad.mm", problem: problem)) { try ModelMetadata(text: text, path: "bad.mm") }
    }
}
