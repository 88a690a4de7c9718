// Listening (/listen): an input encoded every hop, off the audio thread.
//
// Its own thread runs an AutocodeVoice that only analyses (the autocode
// voice's analysis: the newest 16384 samples, normalised by their peak,
// encoded, each dimension scaled by the range learned over the input) over
// either a looped file, paced by the engine's sample clock, or the device
// input the render thread copies into `engine.inputTap`. Each hop's encoding,
// scaled values and nearest training frame (when the model's ANCHOR.enc.npy
// is there: the hop encoded as the training frames were, at its level and
// scaled by the model's minin and maxin, against their encodings) wait in a locked list for the network thread (`takeHops`),
// which is woken for them. The render thread only copies samples.

import AutocoderEngine
import Atomics
import Foundation

final class Listener: @unchecked Sendable {
    /// One hop heard.
    struct Hop {
        /// Samples of input heard since listening started, at the hop's end.
        let time: Int
        /// The encoder's values (as /encode gives them).
        let latent: [Float]
        /// Each dimension scaled by the input's range to [0,1] (what a driven voice plays).
        let scaled: [Float]
        /// The nearest training frame, when the model's encodings are known.
        let frame: Int?
    }

    /// What is listened to, in /listen's words ("device" or the path).
    let input: String
    private let voice: AutocodeVoice
    private let index: LatentIndex?
    /// The device input, or nil for the voice's loop.
    private let device: SampleRing?
    private let engine: SynthesisEngine
    private let wake: WakeSignal
    private let lock = NSLock()
    private var hops: [Hop] = []
    private let stopping = ManagedAtomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Hops kept for the network thread at most (a stalled reader loses the oldest).
    static let backlog = 4096

    init(input: String, voice: AutocodeVoice, index: LatentIndex?, device: SampleRing?, engine: SynthesisEngine, wake: WakeSignal) {
        self.input = input
        self.voice = voice
        self.index = index
        self.device = device
        self.engine = engine
        self.wake = wake
        voice.analysesOnly = true
    }

    func start() {
        let thread = Thread { [self] in listen() }
        thread.name = "autocoder listen"
        thread.start()
    }

    /// Ends the thread and waits for it.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }

    /// The hops heard since the last call, oldest first (network thread).
    func takeHops() -> [Hop] {
        lock.lock()
        defer { lock.unlock() }
        let taken = hops
        hops.removeAll(keepingCapacity: true)
        return taken
    }

    private func listen() {
        defer { finished.signal() }
        let hop = voice.shape.hop, width = voice.latentCount
        var samples = [Float](repeating: 0, count: hop), unused = [Float](repeating: 0, count: hop)
        var latent = [Float](repeating: 0, count: width), scaled = latent, training = latent
        let started = engine.renderedFrame
        var heard = 0
        while !stopping.load(ordering: .relaxed) {
            var new: [Hop] = []
            while !stopping.load(ordering: .relaxed) {
                if let device {
                    guard device.available >= hop else { break }
                    _ = device.read(into: &samples, count: hop)
                    voice.process(input: samples, adding: &unused, count: hop)
                } else {
                    // A file plays at the pace of the sample clock.
                    guard heard + hop <= engine.renderedFrame - started else { break }
                    voice.process(input: nil, adding: &unused, count: hop)
                }
                heard += hop
                guard !voice.newestHopWasSilent else { continue }
                voice.newestEncoding(raw: &latent, scaled: &scaled)
                let frame = index.flatMap { voice.newestTrainingEncoding(into: &training) ? $0.nearest(to: training) : nil }
                new.append(Hop(time: heard, latent: latent, scaled: scaled, frame: frame))
            }
            if !new.isEmpty {
                lock.lock()
                hops += new
                if hops.count > Self.backlog { hops.removeFirst(hops.count - Self.backlog) }
                lock.unlock()
                wake.signal()
            }
            usleep(2000)
        }
    }
}
