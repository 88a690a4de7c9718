// /record/start and /record/stop: takes of what is played. Network thread only;
// the recorder's own thread writes the file.

import AutocoderAudio
import AutocoderModel
import AutocoderOSC
import Foundation

extension AutocoderServer {
    func startRecording(_ request: Request) throws {
        recordingListeners.add(replyDestination(lastSender!))
        let path = request.count >= 1 ? try request.string(0) : Self.defaultRecordingName()
        var format = configuration.recordFormat
        if request.count == 2 {
            // Pd and Max send a typed 24 as a number.
            let given = try request.message.arguments[1].number.map { String(format: "%g", $0) } ?? request.string(1)
            guard let chosen = SoundFileWriter.SampleFormat(rawValue: given) else {
                // "my take.wav" from Pd arrives as "my" and "take.wav".
                let looksSplit = given.contains(".") || given.contains("/") || (try? SoundFileContainer(path: path)) == nil
                throw Rejection("format must be \"float\" or \"24\", not \"\(given)\"" + (looksSplit ? "; " + Self.splitPathHint : ""))
            }
            format = chosen
        }
        let absolute = try paths.resolve(path)
        do {
            try recorder.start(path: absolute, format: format,
                               trajectory: TrajectorySidecar(sound: absolute, fft: kernelShape.fftSize, hop: kernelShape.hop,
                                                             sampleRate: Int(engine.sampleRate), anchor: anchor, analysis: "played"))
        } catch let error as SoundFileError {
            throw Rejection(error.description)
        }
        logger.info("recording to \(absolute)")
        announce(OSCMessage("/record/started", [.string(absolute)]), to: lastSender!)
        doneWhenTaken(request.address, requester: lastSender!)
    }

    func stopRecording() throws {
        recordingListeners.add(replyDestination(lastSender!))
        do {
            let state = try recorder.stop()
            if let trajectory = state.trajectoryPath { logger.info("latent trajectory: \(trajectory)") }
            announce(OSCMessage("/record/stopped", [.string(state.path ?? ""), .int(Int32(clamping: state.frames))]), to: lastSender!)
        } catch let error as SoundFileError {
            throw Rejection(error.problem)
        }
    }

    private static func defaultRecordingName() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "autocoder-\(formatter.string(from: Date())).wav"
    }
}
