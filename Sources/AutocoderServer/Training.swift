// /train and /train/stop, from the request to the model playing (the whole
// life of a training on stage):
// - `handle` (network thread) checks the sound and the options, refuses a
//   second training while one runs (naming it), starts a `TrainingRun` (its
//   children at SCHED_IDLE) and answers `/train s:SOUND`;
// - `relay` (network thread, every loop) sends `/train/progress i:epoch
//   i:max_epochs f:loss f:seconds_left` about once a second to the requester
//   and every registered client, and at the end `/trained s:ANCHOR` then
//   `/done /train` (or `/error /train REASON`), and with `play` loads the new
//   model into voice 1 as `/load` does (a crossfade: no gap);
// - `stop` (/train/stop) has the trainer finish its epoch and write the best
//   weights so far; `abandon` (the server stopping) ends it writing nothing.

import AutocoderOSC
import Foundation

final class Training {
    static let address = "/train"
    private unowned let server: AutocoderServer
    private(set) var run: TrainingRun?
    private var lastProgress = Date.distantPast

    init(server: AutocoderServer) { self.server = server }

    func handle(_ request: Request) throws {
        if let run {
            let progress = run.progress.map { " (epoch \($0.epoch) of at most \($0.maxEpochs))" } ?? " (analysing)"
            throw Rejection("a training is running: \(run.sound)\(progress); one at a time (/train/stop ends it)")
        }
        let sound = try server.paths.resolve(try request.string(0))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: sound, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw Rejection("\(sound): no such sound file")
        }
        let recording = server.recorder.state
        if recording.isRecording, recording.path == sound {
            throw Rejection("\(sound) is still being recorded: /record/stop first")
        }
        let options = try TrainingRun.Options(request.message.arguments.dropFirst())
        let threads = server.configuration.trainingThreads
        let run = TrainingRun(sound: sound, options: options, ticket: server.ticket(request), executable: server.configuration.trainerExecutable,
                              threads: threads, wake: server.wake, logger: server.logger)
        self.run = run
        lastProgress = Date()
        run.start()
        server.logger.info("training on \(sound) (\(options.summary)), below the audio (SCHED_IDLE, \(threads) thread\(threads == 1 ? "" : "s"))")
        server.announce(OSCMessage(Self.address, [.string(sound)]), to: run.ticket.requester)
    }

    func stop() throws {
        guard let run else { throw Rejection("no training is running") }
        run.stop()
        server.logger.info("training on \(run.sound): stop asked; the best weights so far will be written")
    }

    /// Sends the progress once a second and the end when it comes.
    func relay(now: Date = Date()) {
        guard let run else { return }
        if let outcome = run.outcome {
            self.run = nil
            finish(run, outcome, seconds: now.timeIntervalSince(run.started))
            return
        }
        guard now.timeIntervalSince(lastProgress) >= 1, let progress = run.progress else { return }
        lastProgress = now
        let left = max(0, progress.secondsLeft - now.timeIntervalSince(progress.time))
        server.announce(OSCMessage("/train/progress", [.int(Int32(progress.epoch)), .int(Int32(progress.maxEpochs)),
                                                       .float(Float(progress.loss)), .float(Float(left))]), to: run.ticket.requester)
    }

    func abandon() {
        guard let run else { return }
        self.run = nil
        run.abandon()
        server.logger.notice("training on \(run.sound) abandoned (the server stopped); nothing written")
    }

    private func finish(_ run: TrainingRun, _ outcome: TrainingRun.Outcome, seconds: Double) {
        switch outcome {
        case let .failed(reason):
            server.logger.error("\(reason)")
            server.reject(run.ticket, Rejection(reason))
        case let .trained(stopped):
            server.logger.info("trained \(run.sound) in \(String(format: "%.1f", seconds)) s\(stopped ? " (stopped early by /train/stop: the best weights so far)" : "")")
            server.finish(run.ticket, "/trained", [.string(run.sound)])
            if run.options.play {
                server.modelLoad("/load").load(run.sound, ticket: LoadTicket(address: "/load", requester: run.ticket.requester,
                                                                                 sequence: server.takeSequence()))
            }
        }
    }
}
