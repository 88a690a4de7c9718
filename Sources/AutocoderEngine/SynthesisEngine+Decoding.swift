// The decode of every hop a render call will play, done at its start, for all
// generative voices at once: voices whose models share a decoder (the same
// weights) are decoded together in one batch, so the weights are read once
// for all of them rather than once per voice; offline, where one render call
// spans many hops, a voice's hops are batched too.
//
// Exact: the walk and glide move per hop and commands arrive only between
// render calls, or between the parts a call is split into at the frames of
// scheduled commands (each part decoded ahead as a call of its own), so the
// latent values of a part's hops are known at its start. A voice that is
// taking over after a reshape (two streams) decodes inline.
//
// Render thread only (`decodeAhead`); `DecodeBuffers` are built on the
// control thread, sized for the voices and models in use, and swapped in.

import AutocoderModel

/// Preallocated memory of the batched decode: latent rows, decoded rows and
/// the decoder's batch scratch.
final class DecodeBuffers: @unchecked Sendable {
    let rows: Int
    let outputCount: Int
    let latents: UnsafeMutablePointer<Float>
    let decoded: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
    let scratchCount: Int
    /// Per slot: hops due in this call, and whether it has been batched.
    let due: UnsafeMutablePointer<Int>
    let batched: UnsafeMutablePointer<Bool>

    init(capacity: (rows: Int, scratch: Int, output: Int)) {
        rows = capacity.rows
        outputCount = capacity.output
        scratchCount = capacity.scratch
        latents = .allocate(capacity: rows * LatentVector.capacity)
        latents.initialize(repeating: 0, count: rows * LatentVector.capacity)
        decoded = .allocate(capacity: rows * outputCount)
        decoded.initialize(repeating: 0, count: rows * outputCount)
        scratch = .allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
        due = .allocate(capacity: rows)
        due.initialize(repeating: 0, count: rows)
        batched = .allocate(capacity: rows)
        batched.initialize(repeating: false, count: rows)
    }

    deinit {
        latents.deallocate()
        decoded.deallocate()
        scratch.deallocate()
        due.deallocate()
        batched.deallocate()
    }

    /// Rows for every voice slot and for a render call of up to 64 hops of one
    /// voice, with room for `model`'s decoder.
    static func capacity(for model: LoadedModel, voices: Int) -> (rows: Int, scratch: Int, output: Int) {
        let rows = max(voices, 64)
        return (rows, model.decoder.batchScratchCount(batch: rows), model.decoder.outputCount)
    }
}

extension SynthesisEngine {
    /// Decodes the hops the next `frames` samples (a call, or a part of one) will play, batched by decoder.
    func decodeAhead(frames: Int) {
        let buffers = decodeBuffers.takeUnretainedValue()
        for s in 0..<slotCount {
            buffers.batched[s] = false
            buffers.due[s] = 0
            guard case let .generative(unmanaged) = slots[s].content else { continue }
            let voice = unmanaged.takeUnretainedValue()
            voice.decodedCount = 0
            voice.decodedNext = 0
            buffers.due[s] = voice.hopsDue(in: frames)
        }
        // Groups follow one another in the buffers, each at its own decoder's
        // row widths: `rowsUsed` rows so far, ending at these offsets.
        var rowsUsed = 0, latentEnd = 0, decodedEnd = 0
        for s in 0..<slotCount where buffers.due[s] > 0 && !buffers.batched[s] {
            guard case let .generative(leader) = slots[s].content else { continue }
            let decoder = leader.takeUnretainedValue().model.decoder
            // Buffers too small for this model (a swap of bigger ones is on its way): decoded inline.
            guard decoder.outputCount <= buffers.outputCount,
                  decoder.batchScratchCount(batch: buffers.rows) <= buffers.scratchCount else { continue }
            let latentCount = decoder.latentCount, outputCount = decoder.outputCount
            let firstLatent = latentEnd, firstDecoded = decodedEnd
            var batch = 0
            for t in s..<slotCount where buffers.due[t] > 0 && !buffers.batched[t] {
                guard case let .generative(unmanaged) = slots[t].content else { continue }
                let voice = unmanaged.takeUnretainedValue()
                guard voice.model.decoder.plan === decoder.plan, rowsUsed + buffers.due[t] <= buffers.rows else { continue }
                buffers.batched[t] = true
                voice.decoded = UnsafePointer(buffers.decoded + decodedEnd)
                voice.decodedLatents = UnsafePointer(buffers.latents + latentEnd)
                voice.decodedStride = outputCount
                voice.decodedCount = buffers.due[t]
                for _ in 0..<buffers.due[t] {
                    voice.advanceHop(into: buffers.latents + latentEnd)
                    latentEnd += latentCount
                    decodedEnd += outputCount
                    rowsUsed += 1
                    batch += 1
                }
            }
            guard batch > 0 else { continue }
            decoder.decode(batch: batch, latents: buffers.latents + firstLatent, into: buffers.decoded + firstDecoded,
                           scratch: buffers.scratch)
        }
    }
}
