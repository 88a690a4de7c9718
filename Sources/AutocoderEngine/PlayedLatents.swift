// The latent values the voices play, hop by hop, for the trajectory of a take
// (`TAKE.wav.latents.npy`, written by the recorder). While `isOn`, every hop a
// generative, filter or autocode voice synthesises leaves a row here: the
// engine frame at the centre of the synthesis frame the hop starts (the time a
// trajectory's row stands for, as `render --trajectory` plays it), the voice's
// ID and the latent values the hop decoded. Granular voices decode nothing and
// leave none.
//
// Rows arrive in the order hops are synthesised: voice after voice within a
// render chunk, so by frame only to within a chunk plus half the largest FFT.
// Whoever takes them sorts.
//
// Threading: `isOn` and `droppedRows` any thread; `begin` and `record` the
// render thread only (no allocation; a full ring drops the row and counts it);
// `take` one consumer thread (the recorder's).

import Atomics

/// One hop one voice played.
public struct PlayedLatentRow: Sendable {
    /// Engine frame (the sample clock) at the centre of the hop's synthesis frame.
    public var frame: Int
    public var voice: Int
    public var latent: LatentVector
}

public final class PlayedLatents: @unchecked Sendable {
    /// Whether hops leave rows (a take with a trajectory is running).
    public let isOn = ManagedAtomic<Bool>(false)
    /// Rows the ring could not hold (the taker fell behind).
    public let droppedRows = ManagedAtomic<Int>(0)
    private let rows: SPSCQueue<PlayedLatentRow>
    /// Render thread: the frame the voice being rendered starts at, and its ID.
    private var frameBase = 0
    private var voice = 0

    /// Two seconds of 64 voices at 512-sample hops (44.1 kHz).
    init(capacity: Int = 16384) {
        rows = SPSCQueue(capacity: capacity)
    }

    /// Render thread: the next `record` calls are of voice `voice`, whose
    /// output starts at engine frame `frame`.
    @inline(__always)
    func begin(frame: Int, voice: Int) {
        frameBase = frame
        self.voice = voice
    }

    /// Render thread: a hop whose synthesis frame is centred `offset` samples
    /// after the frame given to `begin` played `latent` (`count` values).
    @inline(__always)
    func record(at offset: Int, _ latent: UnsafePointer<Float>, count: Int) {
        guard isOn.load(ordering: .relaxed) else { return }
        var values = SIMD32<Float>(repeating: 0)
        for d in 0..<min(count, LatentVector.capacity) { values[d] = latent[d] }
        if !rows.push(PlayedLatentRow(frame: frameBase + offset, voice: voice, latent: LatentVector(values: values, count: count))) {
            droppedRows.wrappingIncrement(ordering: .relaxed)
        }
    }

    /// Consumer: the next row, or nil when none is waiting.
    public func take() -> PlayedLatentRow? { rows.pop() }
}
