// Decode and encode must match TensorFlow Lite's own interpreter to 1e-5 on
// every fixture model: old converter (no signature) and new (signature), shallow and deep.

import Testing
import AutocoderModel

@Suite struct ReferenceModelTests {
    static let tolerance: Float = 1e-5

    @Test(arguments: Fixtures.modelNames)
    func decodeMatchesTensorFlowLite(name: String) throws {
        let bundle = try ModelBundle(anchor: Fixtures.models + "/" + name, parts: [.decoder])
        let decoder = try #require(bundle.decoder)
        let latents = try Fixtures.array(name + ".latents.npy")
        let expected = try Fixtures.array(name + ".decoded.npy")
        let (rows, width) = (latents.shape[0], latents.shape[1])
        let outWidth = expected.shape[1]
        #expect(decoder.latentCount == width && decoder.outputCount == outWidth)
        var worst: Float = 0
        for r in 0..<rows {
            let got = decoder.decode(Array(latents.floats[r * width..<(r + 1) * width]))
            worst = max(worst, maxAbsoluteDifference(got, Array(expected.floats[r * outWidth..<(r + 1) * outWidth])))
        }
        #expect(worst <= Self.tolerance, "\(name): single-vector decode differs by \(worst)")
        let batched = decoder.decode(batch: latents.floats)
        let batchWorst = maxAbsoluteDifference(batched, expected.floats)
        #expect(batchWorst <= Self.tolerance, "\(name): batched decode differs by \(batchWorst)")
    }

    @Test(arguments: Fixtures.modelNames)
    func encodeMatchesTensorFlowLite(name: String) throws {
        let bundle = try ModelBundle(anchor: Fixtures.models + "/" + name, parts: [.encoder])
        let encoder = try #require(bundle.encoder)
        let frames = try Fixtures.array(name + ".frames.npy")
        let outputs = try Fixtures.array(name + ".outputs.npy")   // M x 3 x E, Keras order
        let encoded = try Fixtures.array(name + ".encoded.npy")   // M x E, float64
        let (rows, width, latent) = (frames.shape[0], frames.shape[1], outputs.shape[2])

        var worstOutput: Float = 0
        var worstScaled: Double = 0
        for r in 0..<rows {
            let frame = Array(frames.floats[r * width..<(r + 1) * width])
            let got = encoder.outputs(frame)
            #expect(got.count == 3, "\(name): encoder should have z_mean, z_log_var, z")
            for k in 0..<3 {
                let reference = Array(outputs.floats[(r * 3 + k) * latent..<(r * 3 + k + 1) * latent])
                worstOutput = max(worstOutput, maxAbsoluteDifference(got[k], reference))
            }
            // The scaled value divides by scale_mult, which magnifies float32 rounding of z_mean;
            // compare it in model units (times scale_mult) so the bound stays 1e-5.
            let scaled = encoder.encode(frame)
            for d in 0..<latent {
                let mult = bundle.metadata.scaleMult[d]
                worstScaled = max(worstScaled, abs(Double(scaled[d]) - encoded.values[r * latent + d]) * min(1, abs(mult)))
            }
        }
        #expect(worstOutput <= Self.tolerance, "\(name): encoder outputs differ by \(worstOutput)")
        #expect(worstScaled <= Double(Self.tolerance), "\(name): scaled encoding differs by \(worstScaled) (in model units)")
    }

    @Test(arguments: Fixtures.modelNames)
    func signaturePresenceFollowsTheConverter(name: String) throws {
        for part in ["dec", "enc"] {
            let model = try TFLiteModel(contentsOf: Fixtures.models + "/\(name).\(part)")
            if name.hasPrefix("old") {
                #expect(model.signatureKey == nil)
            } else {
                #expect(model.signatureKey == "serving_default")
            }
        }
    }

    @Test func describesArchitecture() throws {
        let bundle = try ModelBundle(anchor: Fixtures.models + "/new-full-shallow", parts: [.decoder, .encoder])
        let decoder = try #require(bundle.decoder)
        #expect(decoder.plan.layerSummaries == ["FULLY_CONNECTED 8 -> 1000 RELU", "FULLY_CONNECTED 1000 -> 512", "LOGISTIC 512"])
        #expect(decoder.plan.parameterCount == 8 * 1000 + 1000 + 1000 * 512 + 512)
        #expect(bundle.metadata.inputDim == 512 && bundle.metadata.intermediateDim == 1000 && bundle.metadata.encodedDim == 8)
        #expect(!bundle.metadata.deep)
        let deep = try ModelBundle(anchor: Fixtures.models + "/new-full-deep", parts: [.decoder])
        #expect(deep.metadata.deep)
        #expect(deep.decoder!.plan.layerSummaries.count == 9)
    }

    @Test func anchorMayBeGivenAsOneOfItsFiles() throws {
        let anchor = Fixtures.models + "/old-tiny-shallow"
        #expect(ModelBundle.anchor(from: anchor + ".dec") == anchor)
        #expect(ModelBundle.anchor(from: anchor + ".mm") == anchor)
        #expect(ModelBundle.anchor(from: anchor) == anchor)
    }
}
