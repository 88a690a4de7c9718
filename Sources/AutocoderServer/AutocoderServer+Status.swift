// /status: its fields in order (each declared once, see StatusField), and the
// reply to one client. Network thread only.

import AutocoderEngine
import AutocoderOSC
import Atomics

extension AutocoderServer {
    static let statusFields: [StatusField] = {
        func int(_ name: String, _ summary: String, _ value: @escaping @Sendable (AutocoderServer, StatusSnapshot) -> Int) -> StatusField {
            StatusField(name: name, tag: "i", summary: summary) { .int(Int32(clamping: value($0, $1))) }
        }
        func float(_ name: String, _ summary: String, _ value: @escaping @Sendable (AutocoderServer, StatusSnapshot) -> Double) -> StatusField {
            StatusField(name: name, tag: "f", summary: summary) { .float(Float(value($0, $1))) }
        }
        func string(_ name: String, _ summary: String, _ value: @escaping @Sendable (AutocoderServer, StatusSnapshot) -> String) -> StatusField {
            StatusField(name: name, tag: "s", summary: summary) { .string(value($0, $1)) }
        }
        func counter(_ atomic: @escaping @Sendable (EngineStatus) -> ManagedAtomic<Int>) -> @Sendable (AutocoderServer, StatusSnapshot) -> Int {
            { server, _ in atomic(server.engine.status).load(ordering: .relaxed) }
        }
        return [
            string("model", "the anchor of voice 1's model") { server, _ in server.anchor },
            int("sample_rate", "the output's sample rate") { server, _ in Int(server.engine.sampleRate) },
            int("block_size", "frames per render call") { server, _ in server.output.blockSize },
            int("fft", "the FFT size synthesis runs at (scaled to the sample rate)") { server, _ in server.kernelShape.fftSize },
            int("hop", "the hop synthesis runs at") { server, _ in server.kernelShape.hop },
            float("cpu_load", "% of real time the render callback takes, smoothed") { server, _ in server.engine.status.load * 100 },
            float("peak_load", "% of real time of the longest callback since the last /status") { _, snapshot in snapshot.peakLoad * 100 },
            int("xruns", "callbacks the device reported late", counter { $0.xruns }),
            int("received", "messages received") { server, _ in server.received },
            int("rejected", "messages refused with /error") { server, _ in server.rejected },
            int("recording", "1 while a take runs") { _, snapshot in snapshot.recording.isRecording ? 1 : 0 },
            string("recording_path", "the take's path (after a take, the last one's)") { _, snapshot in snapshot.recording.path ?? "" },
            int("recorded_frames", "frames written to it") { _, snapshot in snapshot.recording.frames },
            int("playing", "1 while voice 1 plays") { server, _ in server.engine.status.isPlaying ? 1 : 0 },
            int("walking", "1 while voice 1 walks") { server, _ in server.engine.status.isWalking ? 1 : 0 },
            string("output", "`jack`, `portaudio`, `null`, or `lost` while a device that was playing is away") { server, _ in server.audio.state },
            int("dropped_commands", "controls dropped because the engine's queue was full", counter { $0.droppedCommands }),
            int("dropped_record_frames", "frames a recording lost because its writer fell behind", counter { $0.tapDroppedFrames }),
            int("granular", "1 while the server's granular voice plays") { server, _ in
                server.settings[AutocoderServer.granularVoiceID]?.granularPlaying == true ? 1 : 0
            },
            int("granular_frame", "the training frame its latest grain came from", counter { $0.granularFrame }),
            int("autocode", "1 while the server's autocode voice plays") { server, _ in
                server.settings[AutocoderServer.autocodeVoiceID]?.autocodePlaying == true ? 1 : 0
            },
            string("autocode_input", "what it autocodes (`device` or a path)") { server, _ in server.settings[AutocoderServer.autocodeVoiceID]?.autocodeInput ?? "" },
            string("recording_end_reason", "why the last take ended: `stopped`, or the write error; empty while a take runs and before the first") { _, snapshot in
                snapshot.recording.endReason ?? ""
            },
            int("nonfinite", "blocks or hops a voice produced with NaN or infinity (silenced)", counter { $0.nonFiniteBlocks }),
            float("limiter_db", "the output limiter's gain reduction in the latest block, dB (0 when it is not reducing)") { server, _ in
                Double(server.engine.status.limiterReduction)
            },
            int("limited_samples", "samples the limiter has had to reduce since start", counter { $0.limitedSamples }),
            float("makeup_db", "the sounding model's make-up gain (see *Levels*)") { server, _ in server.calibration?.makeUpDecibels ?? 0 },
            int("voices", "voices in the engine, every kind") { server, _ in server.engine.voices.count },
            int("late", "timed commands whose time had passed when they reached the engine (they acted at once)", counter { $0.lateCommands }),
            int("scheduled", "timed commands waiting for their time (at most 4096)", counter { $0.scheduledCommands }),
        ]
    }()

    /// `/status` and `/status/latent` to `destination`.
    func sendStatus(to destination: SocketAddress) {
        let snapshot = StatusSnapshot(peakLoad: engine.status.takePeakLoad(), recording: recorder.state)
        send(OSCMessage("/status", Self.statusFields.map { $0.value(self, snapshot) }), to: destination)
        send(OSCMessage("/status/latent", engine.status.latent(count: decoder?.latentCount ?? 8).map { .float($0) }), to: destination)
    }
}
