// Records what the engine plays, from its tap ring, on a writer thread.
//
// The writer thread wakes every 20 ms, drains the tap, and writes what it took
// when recording (discarding it otherwise). The render thread never waits for
// it: if the writer falls behind, the tap refuses samples and the engine counts
// the dropped frames. Files are in the container their name's extension
// chooses, with a header rewritten after every write, so a crash leaves a
// playable file.
//
// A take given a trajectory sidecar also writes the latent values the voices
// play, hop by hop, to `TAKE.latents.npy` beside it (`LatentTake`), finished
// with the sound; a trajectory that cannot be written ends on its own, reported
// like a failed take, while the sound goes on.
//
// A take ends by `stop` or by itself, when a write fails (a full or vanished
// disk). Either way its path, frame count and the reason it ended stay in
// `state` until the next take starts; a take that ended by itself is also
// what the next `stop` returns.
//
// Threading: `start`, `stop`, `state` and `takeFailure` from any control
// thread (they take a lock the writer shares; the audio thread never does).

import AutocoderEngine
import AutocoderModel
import Foundation

public final class Recorder: @unchecked Sendable {
    public struct State: Sendable {
        /// The running take's file, or the last one's; nil before the first take.
        public var path: String?
        public var frames: Int
        public var isRecording: Bool
        /// Why the last take ended (`Recorder.stoppedReason`, or the write error);
        /// nil while a take runs or before the first.
        public var endReason: String?
        /// The finished take's latent trajectory, when its voices left one.
        public var trajectoryPath: String?
    }

    /// The end reason of a take finished by `stop`.
    public static let stoppedReason = "stopped"

    private let engine: SynthesisEngine
    private let sampleRate: Int
    private let lock = NSLock()
    private var writer: SoundFileWriter?
    private var latents: LatentTake?
    /// The take that ended last, while no other runs.
    private var ended: State?
    /// Whether `ended` ended by itself and no `stop` has returned it yet.
    private var endedUnasked = false
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
    /// moment is not included. With `trajectory` (its sidecar, whose sound is
    /// set to `path`), the latent values played go to `path.latents.npy`.
    public func start(path: String, format: SoundFileWriter.SampleFormat, overwrite: Bool = false,
                      trajectory: TrajectorySidecar? = nil) throws {
        lock.lock()
        defer { lock.unlock() }
        guard writer == nil else {
            throw SoundFileError(path: path, problem: "a recording is already running (to \(writer!.path))")
        }
        if trajectory != nil, !overwrite, FileManager.default.fileExists(atPath: LatentTake.path(forTake: path)) {
            throw SoundFileError(path: LatentTake.path(forTake: path),
                                 problem: "already exists (the latent trajectory of an earlier take of that name; not overwritten)")
        }
        let newWriter = try SoundFileWriter(path: path, channels: engine.channels, sampleRate: sampleRate, format: format, overwrite: overwrite)
        let played = engine.status.playedLatents
        if var sidecar = trajectory {
            sidecar.sound = path
            // On before the tap's start is taken: rows of earlier hops are left out by their frame.
            played.isOn.store(true, ordering: .releasing)
            latents = LatentTake(take: path, startFrame: engine.discardTap(), sidecar: sidecar)
        } else {
            _ = engine.discardTap()
        }
        writer = newWriter
        ended = nil
        endedUnasked = false
    }

    /// Writes everything played up to now, closes the file and returns it; or
    /// returns the take that ended by itself since the last `stop`.
    public func stop() throws -> State {
        lock.lock()
        defer { lock.unlock() }
        guard let writer else {
            guard endedUnasked, let ended else { throw SoundFileError(path: "", problem: "no recording is running") }
            endedUnasked = false
            return ended
        }
        drain()
        guard self.writer != nil else {
            // The last write failed while draining: the take ended by itself.
            endedUnasked = false
            return ended!
        }
        self.writer = nil
        var state = State(path: writer.path, frames: writer.framesWritten, isRecording: false, endReason: Self.stoppedReason)
        defer { ended = state }
        do {
            try writer.close()
        } catch let error as SoundFileError {
            state.endReason = error.problem
            state.trajectoryPath = finishTrajectory()
            throw error
        }
        state.trajectoryPath = finishTrajectory()
        return state
    }

    public var state: State {
        lock.lock()
        defer { lock.unlock() }
        if let writer { return State(path: writer.path, frames: writer.framesWritten, isRecording: true, endReason: nil) }
        return ended ?? State(path: nil, frames: 0, isRecording: false, endReason: nil)
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
        let finishedState = state.isRecording ? try? stop() : nil
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

    /// Keeps `problem` for `takeFailure`, after any not yet taken. Lock held.
    private func report(_ problem: String) {
        failure = failure.map { $0 + "; then " + problem } ?? problem
    }

    /// Ends the trajectory with the take, writing its last rows. Returns its
    /// path, or nil when it has none (or could not be finished: the failure says why). Lock held.
    private func finishTrajectory() -> String? {
        let played = engine.status.playedLatents
        played.isOn.store(false, ordering: .releasing)
        defer { latents = nil }
        guard let latents else { return nil }
        do {
            return try latents.finish(from: played)
        } catch {
            report("the take's latent trajectory \(latents.path) could not be finished: \(error)")
            return nil
        }
    }

    /// Moves everything in the tap into the file (or away), and the rows the
    /// voices played into the trajectory. Lock held.
    private func drain() {
        guard writer != nil else {
            engine.tap.discardAll()
            while engine.status.playedLatents.take() != nil {}
            return
        }
        if let latents {
            do {
                try latents.take(from: engine.status.playedLatents)
            } catch {
                report("the take's latent trajectory \(latents.path) stopped (the sound goes on recording): \(error)")
                engine.status.playedLatents.isOn.store(false, ordering: .releasing)
                self.latents = nil
            }
        }
        let channels = engine.channels
        while true {
            let count = engine.tap.read(into: chunk, count: chunkSamples / channels * channels)
            guard count > 0, let writer else { break }
            do {
                try writer.write(chunk, frames: count / channels)
            } catch {
                report("\(error)")
                try? writer.close()
                self.writer = nil
                let trajectoryPath = finishTrajectory()
                ended = State(path: writer.path, frames: writer.framesWritten, isRecording: false,
                              endReason: (error as? SoundFileError)?.problem ?? "\(error)", trajectoryPath: trajectoryPath)
                endedUnasked = true
            }
        }
    }
}
