// Interim: one vector at a time until the batched kernel lands.
import AutocoderModel

extension Decoder {
    func batchScratchCount(batch: Int) -> Int { 0 }
    func decode(batch: Int, latents: UnsafePointer<Float>, into outputs: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        for row in 0..<batch { decode(latents + row * latentCount, into: outputs + row * outputCount) }
    }
}
