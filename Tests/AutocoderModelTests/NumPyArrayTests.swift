import Testing
import AutocoderModel

@Suite struct NumPyArrayTests {
    @Test func readsFloat32AndFloat64Fixtures() throws {
        let latents = try Fixtures.array("old-tiny-shallow.latents.npy")
        #expect(latents.dtype == "<f4" && latents.shape == [14, 8])
        #expect(latents.values.prefix(8).allSatisfy { $0 == 0 } && latents.values[8..<16].allSatisfy { $0 == 1 })
        let encoded = try Fixtures.array("old-tiny-shallow.encoded.npy")
        #expect(encoded.dtype == "<f8" && encoded.shape == [13, 8])
    }

    @Test func refusesTruncatedData() throws {
        let bytes = Fixtures.bytes(Fixtures.models + "/old-tiny-shallow.latents.npy")
        #expect(throws: ModelFileError(path: "t.npy", problem: "not a readable .npy file: shape [14, 8] needs 112 elements but the file holds 111")) {
            try NumPyArray(bytes: Array(bytes.dropLast(4)), path: "t.npy")
        }
        #expect(throws: ModelFileError.self) { try NumPyArray(bytes: Array(bytes.prefix(20)), path: "t.npy") }
        #expect(throws: ModelFileError(path: "t.npy", problem: "not a readable .npy file: bad magic")) {
            try NumPyArray(bytes: Array("hello world".utf8), path: "t.npy")
        }
    }
}
