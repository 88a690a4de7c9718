// A PortAudio stream on a device that is not JACK (ALSA and the rest).
//
// Threading: init/start/stop/failure/relinquishEngine from a control thread.
// PortAudio's callback is the engine's render thread: it calls only
// `SynthesisEngine.render` and touches only atomics besides. PortAudio cannot
// reopen a device that went away without being terminated and initialised
// again, so a lost stream is not reconnected (the supervisor falls back to the
// null output).

internal import CPortAudio
import AutocoderEngine
import Foundation

public final class PortAudioOutput: AudioOutput {
    public let device: AudioDevice
    public let sampleRate: Double
    public let blockSize: Int
    private let channels: Int
    public let inputChannels: Int
    private var stream: OpaquePointer?
    private var context: Unmanaged<Context>?

    public init(device: AudioDevice, sampleRate: Double, blockSize: Int, channels: Int, inputChannels: Int = 0) {
        self.device = device
        self.sampleRate = sampleRate
        self.blockSize = blockSize
        self.channels = channels
        self.inputChannels = inputChannels
    }

    public var kind: AudioOutputKind { .portAudio }

    public var description: String {
        "PortAudio: \(device.name) [\(device.hostAPI)], \(Int(sampleRate)) Hz, block \(blockSize)"
            + (inputChannels > 0 ? ", \(inputChannels) input channel\(inputChannels == 1 ? "" : "s")" : "")
    }

    public func start(_ engine: SynthesisEngine) throws {
        precondition(engine.channels == channels, "the engine renders \(engine.channels) channels, the stream has \(channels)")
        guard inputChannels <= device.inputChannels else {
            throw AudioOutputError(description: "\(device.name) has \(device.inputChannels) input channels; \(inputChannels) asked for")
        }
        let retained = Unmanaged.passRetained(Context(engine: engine, inputChannels: inputChannels))
        var parameters = PortAudio.streamParameters(device, channels: channels)
        var inputParameters = PortAudio.streamParameters(device, channels: inputChannels)
        var stream: UnsafeMutableRawPointer?
        let status = PortAudio.withStandardErrorSilenced {
            withUnsafeMutablePointer(to: &inputParameters) { input in
                Pa_OpenStream(&stream, inputChannels > 0 ? input : nil, &parameters, sampleRate, UInt(blockSize),
                              PaStreamFlags(paClipOff), portAudioRender, retained.toOpaque())
            }
        }
        guard status == paNoError.rawValue, let stream else {
            retained.release()
            throw AudioOutputError(description: "\(device.name) would not open: \(PortAudio.errorText(status))")
        }
        Pa_SetStreamFinishedCallback(stream, portAudioFinished)
        let started = Pa_StartStream(stream)
        guard started == paNoError.rawValue else {
            Pa_CloseStream(stream)
            retained.release()
            throw AudioOutputError(description: "\(device.name) would not start: \(PortAudio.errorText(started))")
        }
        self.stream = OpaquePointer(stream)
        self.context = retained
    }

    public var failure: String? {
        guard let stream, let context else { return nil }
        let finished = context.takeUnretainedValue().finished.isSet
        guard finished || Pa_IsStreamActive(UnsafeMutableRawPointer(stream)) != 1 else { return nil }
        return "\(device.name) [\(device.hostAPI)] stopped playing"
    }

    public func relinquishEngine() -> Bool {
        context?.takeUnretainedValue().gate.close() ?? true
    }

    public func stop() {
        if let stream {
            Pa_StopStream(UnsafeMutableRawPointer(stream))
            Pa_CloseStream(UnsafeMutableRawPointer(stream))
        }
        stream = nil
        context?.release()
        context = nil
    }

    deinit { stop() }

    /// What the callbacks need: the engine, the shape of the input, the gate
    /// that can shut the callback out, and whether the stream finished.
    fileprivate final class Context {
        let engine: SynthesisEngine
        let inputChannels: Int
        let gate = RenderGate()
        let finished = ManagedFlag()
        init(engine: SynthesisEngine, inputChannels: Int) {
            self.engine = engine
            self.inputChannels = inputChannels
        }
    }
}

/// The PortAudio callback: the render thread's entry point. No allocation,
/// locks or I/O; the context is borrowed, not retained. Shut out by the gate,
/// it plays silence.
private func portAudioRender(
    input: UnsafeRawPointer?, output: UnsafeMutableRawPointer?, frameCount: UInt,
    timeInfo: UnsafePointer<PaStreamCallbackTimeInfo>?, statusFlags: PaStreamCallbackFlags,
    userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let output, let userData else { return Int32(paAbort.rawValue) }
    Unmanaged<PortAudioOutput.Context>.fromOpaque(userData)._withUnsafeGuaranteedRef { context in
        let engine = context.engine
        let samples = output.assumingMemoryBound(to: Float.self)
        guard context.gate.enter() else {
            samples.update(repeating: 0, count: Int(frameCount) * engine.channels)
            return
        }
        if statusFlags & PaStreamCallbackFlags(paOutputUnderflow | paInputOverflow) != 0 {
            engine.status.xruns.wrappingIncrement(ordering: .relaxed)
        }
        engine.render(samples, frames: Int(frameCount),
                      input: input?.assumingMemoryBound(to: Float.self), inputChannels: context.inputChannels)
        context.gate.leave()
    }
    return Int32(paContinue.rawValue)
}

/// PortAudio calls this when the stream ends, asked to or not.
private func portAudioFinished(userData: UnsafeMutableRawPointer?) {
    guard let userData else { return }
    Unmanaged<PortAudioOutput.Context>.fromOpaque(userData).takeUnretainedValue().finished.set(true)
}
