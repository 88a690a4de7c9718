// Figures of one voice that the render thread publishes through atomics: the
// latent values it sounds now and its latent targets, whether it plays and
// walks, and the last morph it ended. The render thread
// writes; any thread reads. No locks either way.

import Atomics

public final class VoiceStatus: @unchecked Sendable {
    private let playing = ManagedAtomic<Bool>(false)
    private let walking = ManagedAtomic<Bool>(false)
    private let latentBits: [ManagedAtomic<UInt32>]
    private let targetBits: [ManagedAtomic<UInt32>]
    private let morphEnded = ManagedAtomic<Int>(0)

    public init(latentCount: Int = LatentVector.capacity) {
        latentBits = (0..<latentCount).map { _ in ManagedAtomic<UInt32>(Float(0.5).bitPattern) }
        targetBits = (0..<latentCount).map { _ in ManagedAtomic<UInt32>(Float(0.5).bitPattern) }
    }

    @inline(__always)
    func publish(playing: Bool, walking: Bool) {
        self.playing.store(playing, ordering: .relaxed)
        self.walking.store(walking, ordering: .relaxed)
    }

    @inline(__always)
    func storeLatent(_ index: Int, _ value: Float) {
        latentBits[index].store(value.bitPattern, ordering: .relaxed)
    }

    @inline(__always)
    func storeTarget(_ index: Int, _ value: Float) {
        targetBits[index].store(value.bitPattern, ordering: .relaxed)
    }

    @inline(__always)
    func publishMorphEnded(_ serial: Int) {
        morphEnded.store(serial, ordering: .releasing)
    }

    public var isPlaying: Bool { playing.load(ordering: .relaxed) }
    public var isWalking: Bool { walking.load(ordering: .relaxed) }
    /// The latent values the voice is sounding now (after glide).
    public func latent(count: Int) -> [Float] {
        (0..<min(count, latentBits.count)).map { Float(bitPattern: latentBits[$0].load(ordering: .relaxed)) }
    }
    /// The latent targets it glides towards (where a walk or a morph has moved them).
    public func targets(count: Int) -> [Float] {
        (0..<min(count, targetBits.count)).map { Float(bitPattern: targetBits[$0].load(ordering: .relaxed)) }
    }
    /// The serial of the last morph that reached its end (0: none yet).
    public var lastEndedMorph: Int { morphEnded.load(ordering: .acquiring) }
}
