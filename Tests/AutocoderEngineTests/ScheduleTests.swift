// Commands scheduled at a frame of the sample clock, judged against the same
// commands sent at once between render calls at that frame: gain, level and
// stop act on exactly that sample, per-hop controls on the first hop at or
// after it; ramps stay exactly a second apart whatever the block; a frame
// already past acts at once and is counted; the 4097th pending command is
// refused; commands for one frame keep their order. And the sample clock's
// line against the wall clock (`SampleClockLine`) under jitter, bursts,
// drift, xruns, silences and a wall clock set back.

import AudioTestSupport
import AutocoderAudio
import AutocoderDSP
@testable import AutocoderEngine
import AutocoderModel
import Foundation
import Testing

enum ScheduleFixture {
    /// A command for voice `voice` at frame `frame`.
    typealias Timed = (frame: Int, command: VoiceCommand, voice: Int)

    /// Renders `frames` frames in blocks of `block`, sending each of `commands`
    /// at once between two calls at its frame. The blocks start afresh there
    /// (as `EngineFixture.render` of each stretch in turn), or with
    /// `keepingBlocks` go on from frame 0 as before, the block the frame falls
    /// in cut in two: the calls a scheduled command splits its call into.
    static func sendingAtOnce(_ engine: SynthesisEngine, frames: Int, block: Int, keepingBlocks: Bool = false, _ commands: [Timed]) -> [Float] {
        var out: [Float] = []
        var done = 0
        for timed in commands.sorted(by: { $0.frame < $1.frame }) {
            let rest = keepingBlocks ? (block - done % block) % block : 0
            if rest > 0, timed.frame - done > rest {
                out += EngineFixture.render(engine, frames: rest, block: block)
                done += rest
            }
            out += EngineFixture.render(engine, frames: timed.frame - done, block: block)
            engine.send(timed.command, to: timed.voice)
            done = timed.frame
        }
        let rest = keepingBlocks ? min((block - done % block) % block, frames - done) : 0
        out += EngineFixture.render(engine, frames: rest, block: block)
        return out + EngineFixture.render(engine, frames: frames - done - rest, block: block)
    }

    /// Schedules every one of `commands` (in the order given) before the first
    /// call, then renders `frames` frames in blocks of `block`.
    static func scheduling(_ engine: SynthesisEngine, frames: Int, block: Int, _ commands: [Timed]) throws -> [Float] {
        for timed in commands { try engine.send(timed.command, to: timed.voice, atFrame: timed.frame) }
        return EngineFixture.render(engine, frames: frames, block: block)
    }

    /// The first index where `a` and `b` differ.
    static func firstDifference(_ a: [Float], _ b: [Float]) -> Int? { (0..<min(a.count, b.count)).first { a[$0] != b[$0] } }

    /// The wall clock at frame 0 of the lines below.
    static let start: Int64 = 1_700_000_000_000_000_000

    /// A line of anchors: call `k` starts at frame k·block, `delay(k)` after `start` + its frames' time.
    static func line(calls: Int, block: Int = 256, delay: (Int) -> Int64) -> SampleClockLine {
        var line = SampleClockLine(sampleRate: 44100)
        for k in 0..<calls { line.observe(frame: k * block, nanoseconds: start + nanoseconds(k * block) + delay(k)) }
        return line
    }

    static func nanoseconds(_ frames: Int) -> Int64 { Int64((Double(frames) * 1e9 / 44100).rounded()) }
}

@Suite struct ScheduleTests {
    static let start = ScheduleFixture.start

    @Test(arguments: [VoiceCommand.parameter(.gain, 0.25), .level(0.3), .play(false)])
    func aScheduledChangeActsOnExactlyItsSample(command: VoiceCommand) throws {
        // F is neither a block nor a hop boundary: the call that holds it is split there.
        let f = 23_456, frames = 30_000
        let engine = EngineFixture.engine()
        let scheduled = try ScheduleFixture.scheduling(engine, frames: frames, block: 256, [(f, command, 1)])
        let atOnce = ScheduleFixture.sendingAtOnce(EngineFixture.engine(), frames: frames, block: 256, [(f, command, 1)])
        let untouched = EngineFixture.render(EngineFixture.engine(), frames: frames)
        #expect(ScheduleFixture.firstDifference(scheduled, atOnce) == nil)
        // Its first sample is the first one changed (after the limiter's look-ahead).
        #expect(ScheduleFixture.firstDifference(scheduled, untouched) == f + engine.outputLatency)
        #expect(engine.status.lateCommands.load(ordering: .relaxed) == 0)
    }

    @Test(arguments: [64, 256, 1000, 4096])
    func gainStepsASecondApartRampASecondApart(block: Int) throws {
        let first = 12_345, second = 12_345 + 44100, frames = 60_000
        let none = EngineFixture.engine()
        let base = EngineFixture.render(none, frames: frames, block: block)
        #expect(none.status.limitedSamples.load(ordering: .relaxed) == 0, "the limiter only delays")
        let one = try ScheduleFixture.scheduling(EngineFixture.engine(), frames: frames, block: block, [(first, .parameter(.gain, 0.5), 1)])
        let two = try ScheduleFixture.scheduling(EngineFixture.engine(), frames: frames, block: block,
                                                 [(first, .parameter(.gain, 0.5), 1), (second, .parameter(.gain, 0.25), 1)])
        let rampOne = try #require(ScheduleFixture.firstDifference(one, base))
        let rampTwo = try #require(ScheduleFixture.firstDifference(two, one))
        #expect(rampTwo - rampOne == 44100)
        #expect(rampOne == first + none.outputLatency)
        // The first ramp runs its 20 ms down to half the level.
        let end = rampOne + 882 + 10
        #expect(abs(one[end] / base[end] - 0.5) < 1e-4 || base[end] == 0)
    }

    /// Per-hop controls at blocks of 256 and 4096. (A walking voice draws its
    /// steps and its phases from one random source, its steps for a whole call
    /// ahead: its samples depend on where calls begin, so the walk is judged at
    /// block 256, where no call holds more than one hop.)
    static let perHopCases: [(VoiceCommand, Int)] = [
        (.latent(LatentVector([Float](repeating: 0.9, count: 8))), 256), (.latent(LatentVector([Float](repeating: 0.9, count: 8))), 4096),
        (.latentDimension(index: 3, value: 0.95), 256), (.latentDimension(index: 3, value: 0.95), 4096),
        (.parameter(.brightness, 0.8), 256), (.parameter(.brightness, 0.8), 4096), (.walk(true), 256),
    ]

    @Test(arguments: perHopCases)
    func aPerHopControlReachesTheFirstHopAtOrAfterItsFrame(command: VoiceCommand, block: Int) throws {
        // At block 4096 the call that holds F also plays the hop after it
        // (decoded ahead, at the start of the call's second part).
        let hop = SynthesisShape.standard.hop, frames = 30_000
        for f in [23_456, 46 * hop] {
            // Hop k is the first to start at or after F.
            let k = (f + hop - 1) / hop
            let scheduled = try ScheduleFixture.scheduling(EngineFixture.engine(), frames: frames, block: block, [(f, command, 1)])
            let atHop = ScheduleFixture.sendingAtOnce(EngineFixture.engine(), frames: frames, block: block, [(k * hop, command, 1)])
            let atHopBefore = ScheduleFixture.sendingAtOnce(EngineFixture.engine(), frames: frames, block: block, [((k - 1) * hop, command, 1)])
            #expect(ScheduleFixture.firstDifference(scheduled, atHop) == nil, "F \(f): on hop \(k)")
            #expect(ScheduleFixture.firstDifference(scheduled, atHopBefore) != nil, "F \(f): not already on hop \(k - 1)")
        }
    }

    @Test func aFrameAlreadyPastActsAtOnceAndIsCounted() throws {
        let engine = EngineFixture.engine(), reference = EngineFixture.engine()
        let before = EngineFixture.render(engine, frames: 2048)
        #expect(ScheduleFixture.firstDifference(before, EngineFixture.render(reference, frames: 2048)) == nil)
        try engine.send(.parameter(.gain, 0.25), atFrame: 1000)
        try engine.send(.level(0.5), atFrame: 2048)   // the clock now: on time
        reference.send(.parameter(.gain, 0.25))
        reference.send(.level(0.5))
        #expect(ScheduleFixture.firstDifference(EngineFixture.render(engine, frames: 4096), EngineFixture.render(reference, frames: 4096)) == nil)
        #expect(engine.status.lateCommands.load(ordering: .relaxed) == 1)
        #expect(engine.status.scheduledCommands.load(ordering: .relaxed) == 0)
        #expect(engine.renderedFrame == 2048 + 4096)
    }

    @Test func the4097thPendingCommandIsRefusedUntilSomeAreDue() throws {
        let engine = EngineFixture.engine()
        #expect(SynthesisEngine.scheduleCapacity == 4096)
        // Ten far ahead, the rest around the coming call: some of them already
        // past, most due in it, a few just after it.
        let frames = (0..<4096).map { i in i < 10 ? 1_000_000 + i : i % 300 - 40 }
        for (i, frame) in frames.enumerated() { try engine.send(.level(Float(i % 7) / 7), atFrame: frame) }
        #expect(throws: ScheduleError.full(4096)) { try engine.send(.level(1), atFrame: 0) }
        #expect(engine.status.scheduledCommands.load(ordering: .relaxed) == 4096)
        _ = EngineFixture.render(engine, frames: 256, block: 256)
        #expect(engine.status.scheduledCommands.load(ordering: .relaxed) == frames.filter { $0 >= 256 }.count)
        #expect(engine.status.lateCommands.load(ordering: .relaxed) == frames.filter { $0 < 0 }.count)
        try engine.send(.level(1), atFrame: 300)
        #expect(engine.status.droppedCommands.load(ordering: .relaxed) == 0)
    }

    @Test func commandsForOneFrameKeepTheirOrderAndManyLandInFrameOrder() throws {
        // The same frame: the one sent last is what stays.
        let twice = try ScheduleFixture.scheduling(EngineFixture.engine(), frames: 8000, block: 256,
                                                   [(3000, .level(0.2), 1), (3000, .level(0.6), 1)])
        let last = ScheduleFixture.sendingAtOnce(EngineFixture.engine(), frames: 8000, block: 256, [(3000, .level(0.6), 1)])
        #expect(ScheduleFixture.firstDifference(twice, last) == nil)
        // 300 levels at frames in no order, many sharing a block: each acts at its own sample.
        var random = SystemRandomNumberGenerator()
        let commands: [ScheduleFixture.Timed] = (0..<300).map { _ in
            (Int.random(in: 1...20_000, using: &random), .level(Float.random(in: 0...1, using: &random)), 1)
        }
        let distinct = Dictionary(commands.map { ($0.frame, $0) }, uniquingKeysWith: { first, _ in first }).values.map { $0 }
        let scheduled = try ScheduleFixture.scheduling(EngineFixture.engine(), frames: 24_000, block: 256, distinct.shuffled())
        let atOnce = ScheduleFixture.sendingAtOnce(EngineFixture.engine(), frames: 24_000, block: 256, distinct)
        #expect(ScheduleFixture.firstDifference(scheduled, atOnce) == nil)
    }

    @Test func scheduledCommandsReachGenerativeAndGranularVoices() throws {
        // A second generative voice and a granular voice: levels, controls and play/stop at their frames.
        let source = (0..<44100).map { i in 0.2 * sinf(Float(i) * 0.05) * sinf(Float(i) * 0.0003) }
        let table = try DistanceTable(order: (0..<40 * 6).map { ($0 * 7 + 3) % 40 }, neighbours: 6)
        func engine() throws -> SynthesisEngine {
            let engine = EngineFixture.engine()
            try engine.addGenerativeVoice(id: 2, model: try LoadedModel(bundle: EngineFixture.bundle), walking: false, level: 0.5)
            let granular = GranularVoice(source: source, sampleRate: 44100, table: table, seed: 5)
            granular.play(true, fadeSeconds: 0)
            try engine.addGranularVoice(id: 3, source: granular)
            return engine
        }
        let commands: [ScheduleFixture.Timed] = [(5000, .level(0.1), 2), (7777, .play(false), 2), (9001, .play(true), 2),
                                                 (9001, .parameter(.smoothing, 0), 2), (3333, .level(0.4), 3),
                                                 (6001, .granular(.rate, 200), 3), (6002, .granular(.size, 0.02), 3),
                                                 (12_345, .play(false), 3)]
        let scheduled = try ScheduleFixture.scheduling(try engine(), frames: 16_000, block: 256, commands)
        // A granular voice's samples depend, by a rounding, on where calls begin: the calls are the same.
        let atOnce = ScheduleFixture.sendingAtOnce(try engine(), frames: 16_000, block: 256, keepingBlocks: true, commands)
        #expect(ScheduleFixture.firstDifference(scheduled, atOnce) == nil)
        // The first of them, the granular voice's level, is the first change heard.
        let untouched = EngineFixture.render(try engine(), frames: 16_000)
        #expect(ScheduleFixture.firstDifference(scheduled, untouched) == 3333 + EngineFixture.engine().outputLatency)
    }

    // MARK: The clock's line

    @Test func theLineIsTheLeastDelayedCallOfTheLastSecond() {
        // Calls up to 3 ms late, one in ten on time: the line is the on-time calls'.
        var random = SplitMix64(seed: 3)
        var line = ScheduleFixture.line(calls: 2000) { k in k % 10 == 3 ? 0 : Int64(random.next() % 3_000_000) }
        #expect(line.offset == Self.start)
        #expect(SampleClockLine.frame(at: Self.start + 1_000_000_000 * 20, offset: line.offset!, sampleRate: 44100) == 20 * 44100)
        // A single call 20 ms late, then on time again: the line stays.
        line.observe(frame: 2000 * 256, nanoseconds: Self.start + ScheduleFixture.nanoseconds(2000 * 256) + 20_000_000)
        line.observe(frame: 2001 * 256, nanoseconds: Self.start + ScheduleFixture.nanoseconds(2001 * 256))
        #expect(line.offset == Self.start)
    }

    @Test func blocksHandedOutInBurstsKeepTheLine() {
        // Four calls at once every four blocks: the last of each burst is on the line, the others ahead of it.
        let line = ScheduleFixture.line(calls: 4000) { k in ScheduleFixture.nanoseconds((3 - k % 4) * 256) }
        #expect(line.offset == Self.start)
    }

    @Test func anXrunMovesTheLineWithinATenthOfASecond() {
        // From call 1000 on, every call is 50 ms later (frames were lost).
        let jump: Int64 = 50_000_000
        // 17 late calls span 93 ms, 19 span 104 ms.
        let before = ScheduleFixture.line(calls: 1000 + 17) { $0 >= 1000 ? jump : 0 }
        #expect(before.offset == Self.start)
        let after = ScheduleFixture.line(calls: 1000 + 19) { $0 >= 1000 ? jump : 0 }
        #expect(after.offset == Self.start + jump)
    }

    @Test func aSilenceOrAClockSetBackMovesTheLineAtOnce() {
        // The output stops for 0.3 s and resumes where the frames left off.
        var stopped = ScheduleFixture.line(calls: 1000) { _ in 0 }
        stopped.observe(frame: 1000 * 256, nanoseconds: Self.start + ScheduleFixture.nanoseconds(1000 * 256) + 300_000_000)
        #expect(stopped.offset == Self.start + 300_000_000)
        // The wall clock is set back by a second.
        var setBack = ScheduleFixture.line(calls: 1000) { _ in 0 }
        setBack.observe(frame: 1000 * 256, nanoseconds: Self.start + ScheduleFixture.nanoseconds(1000 * 256) - 1_000_000_000)
        #expect(setBack.offset == Self.start - 1_000_000_000)
    }

    @Test func aDeviceClockThatDriftsIsFollowed() {
        // The device runs 100 ppm slow against the system clock, for 10 s.
        let calls = 10 * 44100 / 256
        let line = ScheduleFixture.line(calls: calls) { k in Int64(Double(ScheduleFixture.nanoseconds(k * 256)) * 1e-4) }
        let now = Self.start + Int64(Double(ScheduleFixture.nanoseconds(calls * 256)) * (1 + 1e-4))
        let mapped = SampleClockLine.frame(at: now, offset: line.offset!, sampleRate: 44100)
        #expect(abs(mapped - calls * 256) <= 5, "mapped \(mapped) for \(calls * 256)")
    }

    @Test func theEngineMapsTheWallClockBeforeAndWhileRendering() throws {
        let engine = EngineFixture.engine()
        // Before the first call the clock starts now.
        let soon = engine.frame(atUnixTime: Date().timeIntervalSince1970 + 1)
        #expect(soon <= 44101 && soon > 44100 / 2)
        // Rendered in real time by the null output (no JACK): a second from now
        // is a second of frames past the clock, less at most the block the
        // latest call rendered (calls start on the line or after it), more by
        // as much as the render thread lags (bounded loosely: a busy machine).
        let output = NullOutput(sampleRate: 44100, blockSize: 256, channels: 1, reason: "a test")
        try output.start(engine)
        Thread.sleep(forTimeInterval: 0.5)
        let rendered = engine.renderedFrame
        let ahead = engine.frame(atUnixTime: Date().timeIntervalSince1970 + 1) - rendered
        output.stop()
        #expect(rendered > 0)
        #expect(ahead >= 44100 - 2 * 256 && ahead < 44100 + 44100 / 2, "a second ahead is \(ahead) frames")
    }
}
