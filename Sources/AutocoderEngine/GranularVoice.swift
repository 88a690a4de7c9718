// Granular resynthesis of a model's source sound through its similarity order
// (SPEC §3 "Granular"): grains of the sound taken at `index × trainingHop`,
// Hann-windowed and overlap-added, the next index drawn from
// `order[index][floor(u^power × pool)]`.
//
// The same voice renders offline (`autocoder granular`) and live (mixed into
// the engine's output), so both walk the order table identically for a seed.
//
// Threading: built on a control thread (it copies the sound);
// afterwards one thread at a time calls `render` and the setters — the render
// thread once the engine owns it. `render` never allocates, locks or waits.

import AutocoderDSP
import AutocoderModel
import Foundation

/// The live controls of a granular voice, with their ranges and defaults.
public enum GranularParameter: String, CaseIterable, Sendable {
    /// Candidates drawn from for the next grain: the first `pool` of the order row.
    case pool
    /// Above 1 favours the nearest candidates, below 1 the farthest.
    case power
    /// Grain length in seconds.
    case size
    /// Grains started per second.
    case rate
    /// Output level, linear.
    case level

    public var range: ClosedRange<Float> {
        switch self {
        case .pool: 1...100_000
        case .power: 0.01...100
        case .size: 0.002...2
        case .rate: 0.1...1000
        case .level: 0...4
        }
    }

    public var defaultValue: Float {
        switch self {
        case .pool: 10
        case .power: 2
        case .size: 0.1
        case .rate: 40
        case .level: 1
        }
    }
}

public final class GranularVoice: @unchecked Sendable {
    public let sampleRate: Double
    /// The similarity order the grains walk.
    public let table: DistanceTable
    /// Source samples between successive training frames at this rate.
    private let frameStride: Double

    private let source: UnsafeMutableBufferPointer<Float>
    private let window: UnsafeMutableBufferPointer<Float>
    private let grains: UnsafeMutableBufferPointer<Grain>
    /// This voice's samples of the current chunk, before level and fade.
    private let mix: UnsafeMutablePointer<Float>
    private static let chunk = 1024
    private var activeGrains = 0
    private var random: RandomSource

    // Settings and state: owned by whichever thread renders.
    private var pool: Int
    private var power: Double
    private var grainLength: Int
    private var interval: Double
    private var level: Float
    private var untilNextGrain = 0.0
    private var fade = VoiceFade()
    /// Whether grains are being started (sounding ones may still be playing out).
    public var isPlaying: Bool { fade.isOn }
    /// The frame the next grain will be taken from.
    public private(set) var index: Int
    /// Frames of the grains started so far (as many as fit; see `recordStarts`).
    private var startLog: UnsafeMutableBufferPointer<Int32>?
    private var grainsStarted = 0

    /// Most grains sounding at once; a grain that would exceed it is skipped.
    public static let maximumGrains = 512
    private static let windowResolution = 4096

    struct Grain {
        var start: Int
        var age: Int
        var length: Int
        var step: Float
    }

    /// - Parameters:
    ///   - source: the sound the model was trained on, at `sampleRate`.
    ///   - table: its similarity order.
    ///   - trainingHop: samples between training frames at 44.1 kHz (the analysis hop).
    ///   - start: first frame (clamped into the table).
    public init(source: [Float], sampleRate: Double, table: DistanceTable, trainingHop: Int = 1024,
                start: Int = 0, seed: UInt64 = 1) {
        self.sampleRate = sampleRate
        self.table = table
        frameStride = Double(trainingHop) * sampleRate / 44100
        self.source = .allocate(capacity: max(source.count, 1))
        self.source.initialize(repeating: 0)
        _ = self.source.initialize(from: source)
        // One extra point (the window's end, 0) so interpolation needs no bounds check.
        window = .allocate(capacity: Self.windowResolution + 1)
        _ = window.initialize(from: periodicHannWindow(Self.windowResolution) + [0])
        grains = .allocate(capacity: Self.maximumGrains)
        mix = .allocate(capacity: Self.chunk)
        random = RandomSource(seed: seed)
        index = min(max(start, 0), table.frames - 1)
        pool = 1
        power = 1
        grainLength = 1
        interval = 1
        level = 1
        for parameter in GranularParameter.allCases { set(parameter, parameter.defaultValue) }
    }

    deinit {
        source.deallocate()
        window.deallocate()
        grains.deallocate()
        mix.deallocate()
        startLog?.deallocate()
    }

    /// Sets a control. Values are clamped to the parameter's range (and the pool
    /// to the table's width).
    public func set(_ parameter: GranularParameter, _ value: Float) {
        let value = min(max(value, parameter.range.lowerBound), parameter.range.upperBound)
        switch parameter {
        case .pool: pool = min(max(Int(value), 1), table.neighbours)
        case .power: power = Double(value)
        case .size: grainLength = max(2, Int(Double(value) * sampleRate))
        case .rate: interval = sampleRate / Double(value)
        case .level: level = value
        }
    }

    /// Grain length and spacing in samples, exactly (offline renders use these).
    public func setGrain(length: Int, interval: Int) {
        grainLength = max(2, length)
        self.interval = Double(max(1, interval))
    }

    /// Starts or stops; `fadeSeconds` 0 switches at once.
    public func play(_ on: Bool, fadeSeconds: Double = 0.05) {
        fade.set(on, seconds: fadeSeconds, sampleRate: sampleRate)
        if on && activeGrains == 0 { untilNextGrain = 0 }
    }

    /// Starts no more grains; those sounding play to their end.
    public func finish() {
        fade.isOn = false
    }

    /// The next grain comes from `frame`.
    public func jump(to frame: Int) {
        index = min(max(frame, 0), table.frames - 1)
    }

    /// Keeps the frames of the first `capacity` grains started (for offline
    /// renders that report them). Not for the render thread: it allocates.
    public func recordStarts(capacity: Int) {
        startLog?.deallocate()
        startLog = .allocate(capacity: capacity)
    }

    /// Frames of the grains started so far, up to the capacity given to `recordStarts`.
    public var startedFrames: [Int] {
        guard let startLog else { return [] }
        return (0..<min(grainsStarted, startLog.count)).map { Int(startLog[$0]) }
    }

    /// Grains cut from different places are uncorrelated, so overlapping ones
    /// add in power: `density` grains at once (length × rate), each Hann-windowed
    /// (mean w² = 3/8), give density × 3/8 of the source's power. Dividing by its
    /// square root keeps a dense stream at the source's level however dense it is;
    /// sparse streams (gaps between grains) are left alone.
    private var normalisation: Float {
        let density = Double(grainLength) / interval
        return Float(1 / max(1, 0.375 * density).squareRoot())
    }

    /// Whether anything can be heard: grains are being started, or some still sound.
    var isSounding: Bool { fade.isOn || (fade.level > 0 && activeGrains > 0) }

    /// Drops every sounding grain (after a block that was not finite).
    func reset() {
        activeGrains = 0
    }

    /// Adds `count` samples of the voice to `output`. Real-time safe.
    public func render(adding output: UnsafeMutablePointer<Float>, count: Int) {
        guard isSounding else { return }
        var done = 0
        while done < count {
            let chunk = min(count - done, Self.chunk)
            mix.update(repeating: 0, count: chunk)
            var filled = 0
            while filled < chunk {
                if untilNextGrain <= 0 {
                    if isPlaying { startGrain() }
                    untilNextGrain += interval
                }
                let span = min(chunk - filled, max(1, Int(untilNextGrain.rounded(.up))))
                addGrains(into: mix + filled, count: span)
                untilNextGrain -= Double(span)
                filled += span
            }
            let gain = level * normalisation
            for i in 0..<chunk { output[done + i] += mix[i] * gain * fade.next() }
            done += chunk
        }
    }

    private func startGrain() {
        if let startLog, grainsStarted < startLog.count { startLog[grainsStarted] = Int32(index) }
        grainsStarted += 1
        if activeGrains < Self.maximumGrains {
            grains[activeGrains] = Grain(start: Int((Double(index) * frameStride).rounded()), age: 0, length: grainLength,
                                         step: Float(Self.windowResolution) / Float(grainLength))
            activeGrains += 1
        }
        index = table.next(from: index, pool: pool, power: power, draw: Double(random.nextUnit()))
    }

    /// Adds the sounding grains (unscaled) to `output` and retires finished ones.
    @inline(__always)
    private func addGrains(into output: UnsafeMutablePointer<Float>, count: Int) {
        var g = 0
        while g < activeGrains {
            var grain = grains[g]
            let n = min(count, grain.length - grain.age)
            let available = max(0, min(n, source.count - (grain.start + grain.age)))
            let samples = source.baseAddress! + grain.start + grain.age
            for i in 0..<available {
                let position = Float(grain.age + i) * grain.step
                let j = Int(position)
                let w = window[j] + (window[j + 1] - window[j]) * (position - Float(j))
                output[i] += samples[i] * w
            }
            grain.age += n
            if grain.age >= grain.length {
                activeGrains -= 1
                grains[g] = grains[activeGrains]
            } else {
                grains[g] = grain
                g += 1
            }
        }
    }
}
