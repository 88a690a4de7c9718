// Records what the engine plays, from its tap ring, on a writer thread.
//
// The writer thread wakes every 20 ms, drains the tap, and writes what it took
// when recording (discarding it otherwise). The render thread never waits for
// it: if the writer falls behind, the tap refuses samples and the engine counts
// the dropped frames. Files are WAV with a header rewritten after every write,
// so a crash leaves a playable file.
//
// Threading: `start`, `stop`, `state` and `takeFailure` from any control
// thread (they take a lock the writer shares; the audio thread never does).

import AutocoderEngine
import Foundation

public final class Recorder: @unchecked Sendable {
    public struct State: Sendable {
        public var path: String?
        public var frames: Int
    }

    private let engine: SynthesisEngine
    private let sampleRate: Int
    private let lock = NSLock()
    private var writer: SoundFileWriter?
    private var failure: String?
    private var running = true
    private let finished = DispatchSemaphore(value: 0)
    private let chunk: UnsafeMutablePointer<Float>
    private let chunkSamples = 16384

    public init(engine: SynthesisEngine, sampleRate: Int) {
        self.engine = engine
        self.sampleRate = sampleRate
        chunk = .allocate(capacity: chunkSamples)
        let thread = Thread { [unowned self] in self.writerLoop() }
        thread.name = "autocoder recorder"
        thread.start()
    }

    deinit { chunk.deallocate() }

    /// Starts recording into a new file at `path`; what was played before this
    /// moment is not included.
    public func start(path: String, format: SoundFileWriter.SampleFormat, overwrite: Bool = false) throws {
        lock.lock()
        defer { lock.unlock() }
        guard writer == nil else {
            throw SoundFileError(path: path, problem: "a recording is already running (to \(writer!.path))")
        }
        let newWriter = try SoundFileWriter(path: path, channels: engine.channels, sampleRate: sampleRate, format: format, overwrite: overwrite)
        engine.tap.discardAll()
        writer = newWriter
    }

    /// Writes everything played up to now, closes the file and returns it.
    public func stop() throws -> State {
        lock.lock()
        defer { lock.unlock() }
        guard let writer else { throw SoundFileError(path: "", problem: "no recording is running") }
        drain()
        self.writer = nil
        let state = State(path: writer.path, frames: writer.framesWritten)
        try writer.close()
        return state
    }

    public var state: State {
        lock.lock()
        defer { lock.unlock() }
        return State(path: writer?.path, frames: writer?.framesWritten ?? 0)
    }

    /// A write error that ended a recording since the last call, if any.
    public func takeFailure() -> String? {
        lock.lock()
        defer { lock.unlock() }
        let message = failure
        failure = nil
        return message
    }

    /// Finishes any recording and stops the writer thread.
    public func shutdown() -> State? {
        let finishedState = state.path == nil ? nil : try? stop()
        lock.lock()
        running = false
        lock.unlock()
        finished.wait()
        return finishedState
    }

    private func writerLoop() {
        while true {
            lock.lock()
            if !running { lock.unlock(); break }
            drain()
            lock.unlock()
            usleep(20_000)
        }
        finished.signal()
    }

    /// Moves everything in the tap into the file (or away). Lock held.
    private func drain() {
        guard writer != nil else {
            engine.tap.discardAll()
            return
        }
        let channels = engine.channels
        while true {
            let count = engine.tap.read(into: chunk, count: chunkSamples / channels * channels)
            guard count > 0, let writer else { break }
            do {
                try writer.write(chunk, frames: count / channels)
            } catch {
                failure = "\(error)"
                try? writer.close()
                self.writer = nil
            }
        }
    }
}
