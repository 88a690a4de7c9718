// The training notebook's `.fft.dec` bundles as TensorFlow 2.5, 2.8 and 2.15
// convert them (Tests/Fixtures/models/FFTDEC.md): decode equals the
// interpreter, the part before the matrix equals the decoder alone, the path
// synthesis takes is recognised, and the files with an operator we do not run
// (or cut short) are refused by name.

import AutocoderModel
import Foundation
import Testing

@Suite struct FFTDecoderFixtureTests {
    /// Every recorded set and the path it must take.
    static let sets: [(name: String, path: SynthesisSource.Path)] = [
        ("fft-tf25-full-shallow", .standardInversion(bins: 4096, bands: 512, fftSize: 8192)),
        ("fft-tf28-full-shallow", .standardInversion(bins: 4096, bands: 512, fftSize: 8192)),
        ("fft-tf215-full-shallow", .standardInversion(bins: 4096, bands: 512, fftSize: 8192)),
        ("fft-tf28-full-deep", .standardInversion(bins: 4096, bands: 512, fftSize: 8192)),
        ("fft-tf25-tiny-shallow", .standardInversion(bins: 64, bands: 32, fftSize: 128)),
        ("fft-tf28-tiny-shallow", .standardInversion(bins: 64, bands: 32, fftSize: 128)),
        ("fft-tf215-tiny-shallow", .standardInversion(bins: 64, bands: 32, fftSize: 128)),
        ("fft-tf28-inv2048-shallow", .standardInversion(bins: 1024, bands: 512, fftSize: 2048)),
        ("fft-tf28-generic-shallow", .linearBins(bins: 1000)),
    ]

    static func rows(_ array: NumPyArray) -> [[Float]] {
        (0..<array.shape[0]).map { r in Array(array.floats[r * array.shape[1]..<(r + 1) * array.shape[1]]) }
    }

    /// 1e-4 × max|reference| + 1e-7.
    static func withinBound(_ ours: [Float], _ reference: [Float]) -> Bool {
        maxAbsoluteDifference(ours, reference) <= 1e-4 * (reference.map(abs).max() ?? 0) + 1e-7
    }

    @Test(arguments: sets.map(\.name))
    func decodeEqualsTheInterpreterAndTheMelPartTheDecoderAlone(name: String) throws {
        let anchor = Fixtures.models + "/" + name
        #expect(ModelBundle.parts(of: anchor) == [.fftDecoder], "a bundle of .fft.dec and .mm only")
        let bundle = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor, encoder: .whenPresent))
        let decoder = try #require(bundle.outputDecoder)
        let latents = Self.rows(try Fixtures.array(name + ".latents.npy"))
        let decoded = Self.rows(try Fixtures.array(name + ".decoded.npy"))
        let mel = Self.rows(try Fixtures.array(name + ".mel.npy"))
        #expect(decoder.outputCount == decoded[0].count)
        var worst: Float = 0
        for (latent, reference) in zip(latents, decoded) {
            let ours = decoder.decode(latent)
            worst = max(worst, maxAbsoluteDifference(ours, reference))
            #expect(Self.withinBound(ours, reference), "\(name) at \(latent)")
        }
        let batch = decoder.decode(batch: latents.flatMap { $0 })
        #expect(Self.withinBound(batch, decoded.flatMap { $0 }), "\(name), batched")

        let synthesis = try #require(bundle.synthesis)
        let expected = Self.sets.first { $0.name == name }!.path
        #expect(synthesis.path == expected)
        if case .standardInversion = expected {
            for (latent, reference) in zip(latents, mel) {
                #expect(Self.withinBound(synthesis.decoder.decode(latent), reference), "\(name): mel part at \(latent)")
            }
        } else {
            #expect(synthesis.decoder === decoder, "plays its own bins")
        }
        print("\(name): max |decode - interpreter| \(worst), \(synthesis.summary)")
    }

    @Test(arguments: [("fft-tf28-unsupported-cumsum", "CUMSUM"), ("fft-tf28-unsupported-gather", "GATHER")])
    func anOperatorWeDoNotRunIsNamed(name: String, operatorName: String) throws {
        let anchor = Fixtures.models + "/" + name
        #expect(throws: ModelFileError.self) { try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor)) }
        do {
            _ = try ModelBundle(anchor: anchor, parts: ModelBundle.parts(of: anchor))
        } catch {
            #expect("\(error)".contains("\(name).fft.dec: unsupported operator \(operatorName) (operator #3)"), "\(error)")
        }
    }

    @Test func aTruncatedFileIsRefused() throws {
        let bytes = Fixtures.bytes(Fixtures.models + "/fft-tf28-full-shallow.fft.dec")
        for fraction in [0.0001, 0.01, 0.3, 0.6, 0.9, 0.999] {
            let length = Int(Double(bytes.count) * fraction)
            do {
                let model = try TFLiteModel(bytes: Array(bytes.prefix(length)), path: "cut.fft.dec")
                _ = try InferencePlan(model: model, path: "cut.fft.dec")
                Issue.record("a \(length)-byte prefix of \(bytes.count) loaded")
            } catch {
                #expect("\(error)".hasPrefix("cut.fft.dec: ") && "\(error)".contains("truncated"), "\(error)")
            }
        }
    }
}
