// Offline renders of the engine's granular and autocode voices: the same code
// the server plays live, driven as fast as the CPU allows on the calling thread.

import AutocoderEngine
import AutocoderModel

public enum GranularRender {
    /// Why grains cannot be cut from a source of `sourceCount` samples at
    /// `sampleRate` for `table` at `trainingHop` (44.1 kHz samples per training
    /// frame), or nil when they can: every frame the table names must start
    /// inside the sound, or its grains would be silence.
    public static func sourceProblem(sourceCount: Int, sampleRate: Double, table: DistanceTable, trainingHop: Int) -> String? {
        let lastStart = Double((table.frames - 1) * trainingHop) * sampleRate / 44100
        guard lastStart >= Double(sourceCount) else { return nil }
        let lastFitting = Int((Double(sourceCount) * 44100 / sampleRate - 1) / Double(table.frames - 1 > 0 ? table.frames - 1 : 1))
        return String(format: "frame %d of the %d in the similarity order starts at %.2f s at a training hop of %d, past the end of the %.2f s sound "
                      + "(the largest hop that fits is %d; the analysis hop is 1024)",
                      table.frames - 1, table.frames, lastStart / sampleRate, trainingHop, Double(sourceCount) / sampleRate, lastFitting)
    }

    /// `grains` grains of `grainLength` samples, one every `hop` samples, until
    /// the last has finished. `voice` should be set up (pool, power, level) and
    /// not yet playing.
    public static func render(_ voice: GranularVoice, grains: Int, grainLength: Int, hop: Int) -> [Float] {
        voice.setGrain(length: grainLength, interval: hop)
        voice.play(true, fadeSeconds: 0)
        let length = (grains - 1) * hop + grainLength
        var output = [Float](repeating: 0, count: length)
        output.withUnsafeMutableBufferPointer { buffer in
            // Grain k starts at k × hop; stop starting them after the last one.
            let starting = min(length, grains * hop)
            renderInBlocks(count: starting) { offset, count in voice.render(adding: buffer.baseAddress! + offset, count: count) }
            voice.finish()
            renderInBlocks(count: length - starting) { offset, count in
                voice.render(adding: buffer.baseAddress! + starting + offset, count: count)
            }
        }
        return output
    }
}

public enum AutocodeRender {
    /// Per-dimension mapping vectors, as `AutocodeVoice.set` takes them (reorder 0-based).
    public typealias Mapping = [(AutocodeMapping, [Float])]

    /// The input's per-dimension encoding range, over every analysed hop.
    /// `isCancelled` is asked between blocks; when it turns true the
    /// measurement stops with a CancellationError.
    public static func range(of input: [Float], encoder: Encoder, decoder: Decoder, shape: SynthesisShape,
                             sampleRate: Double, isCancelled: () -> Bool = { false }) throws -> (minimum: [Float], maximum: [Float]) {
        let voice = try AutocodeVoice(encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate, centred: true)
        voice.analysesOnly = true
        _ = process(voice, input, isCancelled: isCancelled)
        if isCancelled() { throw CancellationError() }
        return voice.range
    }

    /// `input` autocoded through the model: as long as the input, aligned with it.
    /// The mapping is applied after rescaling by the input's range (learned in a
    /// first pass, unless given).
    public static func render(_ input: [Float], encoder: Encoder, decoder: Decoder, shape: SynthesisShape,
                              sampleRate: Double, mapping: Mapping = [],
                              range: (minimum: [Float], maximum: [Float])? = nil) throws -> [Float] {
        let range = try range ?? self.range(of: input, encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate)
        let voice = try AutocodeVoice(encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate, centred: true,
                                      range: range)
        for (field, values) in mapping { voice.set(field, LatentVector(values)) }
        voice.play(true, fadeSeconds: 0)
        return process(voice, input)
    }

    /// The latent values `render` decodes, one row per hop whose analysis window
    /// is centred inside `input`: `row(time, latent)` in order, time the
    /// window's centre in samples (0, hop, 2 × hop … < input.count; the synthesis
    /// frame `render` makes of it is centred there too). The first windows reach
    /// back before the input, the last past its end, into silence.
    public static func latents(of input: [Float], encoder: Encoder, decoder: Decoder, shape: SynthesisShape, sampleRate: Double,
                               mapping: Mapping = [], range: (minimum: [Float], maximum: [Float])? = nil,
                               row: (_ time: Int, _ latent: UnsafeBufferPointer<Float>) throws -> Void) throws {
        let range = try range ?? self.range(of: input, encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate)
        let voice = try AutocodeVoice(encoder: encoder, decoder: decoder, shape: shape, sampleRate: sampleRate, centred: true,
                                      range: range)
        for (field, values) in mapping { voice.set(field, LatentVector(values)) }
        voice.play(true, fadeSeconds: 0)
        let hop = shape.hop, half = voice.analysisSize / 2
        var scratch = [Float](repeating: 0, count: hop)
        try input.withUnsafeBufferPointer { source in
            try scratch.withUnsafeMutableBufferPointer { out in
                // After hop k (its last sample at fed − 1) the window ends at `fed`.
                var fed = 0
                while fed + hop - half < input.count {
                    let present = max(0, min(hop, input.count - fed))
                    if present > 0 { voice.process(input: source.baseAddress! + fed, adding: out.baseAddress!, count: present) }
                    if present < hop { voice.process(input: nil, adding: out.baseAddress!, count: hop - present) }
                    fed += hop
                    if fed - half >= 0 { try row(fed - half, voice.latent) }
                }
            }
        }
    }

    /// Feeds `input` and then the voice's latency in silence; returns the output
    /// less that latency.
    private static func process(_ voice: AutocodeVoice, _ input: [Float], isCancelled: () -> Bool = { false }) -> [Float] {
        var output = [Float](repeating: 0, count: input.count + voice.latency)
        input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { out in
                renderInBlocks(count: input.count, until: isCancelled) { offset, count in
                    voice.process(input: source.baseAddress! + offset, adding: out.baseAddress! + offset, count: count)
                }
                renderInBlocks(count: voice.latency) { offset, count in
                    voice.process(input: nil, adding: out.baseAddress! + input.count + offset, count: count)
                }
            }
        }
        return Array(output[voice.latency...])
    }
}

/// Calls `body` for consecutive blocks of `count` samples, stopping early once `isCancelled` says so.
private func renderInBlocks(count: Int, block: Int = 4096, until isCancelled: () -> Bool = { false },
                            _ body: (_ offset: Int, _ count: Int) -> Void) {
    var offset = 0
    while offset < count, !isCancelled() {
        let n = min(block, count - offset)
        body(offset, n)
        offset += n
    }
}
