// Where the engine's sound goes: a PortAudio device, or, on machines without a
// usable one, a null output paced by the clock so everything else still works.
//
// Threading: open/start/stop from the control thread. The PortAudio callback
// and the null output's thread are the engine's render thread; they call only
// `SynthesisEngine.render` and touch only atomics besides.

internal import CPortAudio
import Atomics
import AutocoderEngine
import Foundation

public struct AudioDevice: Sendable, CustomStringConvertible {
    public let index: Int
    public let name: String
    public let hostAPI: String
    public let outputChannels: Int
    public let inputChannels: Int
    public let defaultSampleRate: Double
    public let isDefault: Bool

    public var description: String {
        "\(index): \(name) [\(hostAPI)] \(inputChannels) in, \(outputChannels) out, \(Int(defaultSampleRate)) Hz\(isDefault ? " (default)" : "")"
    }
}

public struct AudioOutputError: Error, CustomStringConvertible {
    public let description: String
}

/// The PortAudio library, initialised once per process.
public enum PortAudio {
    nonisolated(unsafe) private static var initialised = false
    nonisolated(unsafe) private static var jackClientName = "autocoder"
    private static let lock = NSLock()

    /// The name the server's client takes in JACK (JACK appends -01, -02 … when
    /// it is taken). Only before the first use of PortAudio.
    public static func setJACKClientName(_ name: String) {
        lock.withLock { jackClientName = name }
    }

    /// Initialises PortAudio with its probing chatter (ALSA, JACK) kept off stderr.
    static func initialise() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !initialised else { return }
        // PortAudio keeps the pointer, so the copy lives as long as the process.
        _ = PaJack_SetClientName(strdup(jackClientName))
        let status = withStandardErrorSilenced { Pa_Initialize() }
        guard status == paNoError.rawValue else {
            throw AudioOutputError(description: "PortAudio did not start: \(String(cString: Pa_GetErrorText(status)))")
        }
        initialised = true
    }

    /// Every device with outputs.
    public static func devices() throws -> [AudioDevice] {
        try initialise()
        let defaultIndex = Int(Pa_GetDefaultOutputDevice())
        return (0..<max(0, Int(Pa_GetDeviceCount()))).compactMap { index in
            guard let info = Pa_GetDeviceInfo(PaDeviceIndex(index))?.pointee, info.maxOutputChannels > 0 else { return nil }
            let host = Pa_GetHostApiInfo(info.hostApi).map { String(cString: $0.pointee.name) } ?? "?"
            return AudioDevice(index: index, name: String(cString: info.name), hostAPI: host,
                               outputChannels: Int(info.maxOutputChannels), inputChannels: Int(info.maxInputChannels),
                               defaultSampleRate: info.defaultSampleRate,
                               isDefault: index == defaultIndex)
        }
    }

    /// The devices to try when none is named: JACK's (a running JACK server is
    /// the user's choice), then the system default, then every other output.
    static func candidates() throws -> [AudioDevice] {
        let all = try devices()
        let jack = all.filter { $0.hostAPI.contains("JACK") }
        let preferred = jack + all.filter(\.isDefault)
        return preferred + all.filter { device in !preferred.contains { $0.index == device.index } }
    }

    /// Interleaved float channels on `device`, asking for 20 ms of latency.
    static func streamParameters(_ device: AudioDevice, channels: Int) -> PaStreamParameters {
        PaStreamParameters(device: PaDeviceIndex(device.index), channelCount: Int32(channels),
                           sampleFormat: PaSampleFormat(paFloat32), suggestedLatency: 0.02, hostApiSpecificStreamInfo: nil)
    }

    static func withStandardErrorSilenced<T>(_ body: () -> T) -> T {
        fflush(nil)
        let saved = dup(STDERR_FILENO)
        let null = open("/dev/null", O_WRONLY)
        dup2(null, STDERR_FILENO)
        close(null)
        defer {
            fflush(nil)
            dup2(saved, STDERR_FILENO)
            close(saved)
        }
        return body()
    }
}

/// A running output: PortAudio stream or null clock.
public protocol AudioOutput: AnyObject {
    /// What the user is told, e.g. "PortAudio: system [JACK Audio Connection Kit]".
    var description: String { get }
    var sampleRate: Double { get }
    var blockSize: Int { get }
    func start(_ engine: SynthesisEngine) throws
    func stop()
}

/// Where sound will go: a device that accepted the format, or the null output.
public enum AudioOutputChoice {
    case device(AudioDevice, sampleRate: Double)
    case none(reason: String)

    /// Finds a device that takes `channels` float channels at `sampleRate` (or
    /// at its own rate when it refuses that one). `name` picks a device by index
    /// or by (part of) its name; with a name, failure is an error.
    public static func find(name: String?, sampleRate: Double?, channels: Int) throws -> AudioOutputChoice {
        let candidates: [AudioDevice]
        do {
            if let name {
                let all = try PortAudio.devices()
                let matching = all.filter { Int(name) == $0.index || $0.name.localizedCaseInsensitiveContains(name) }
                guard !matching.isEmpty else {
                    throw AudioOutputError(description: "no output device matches '\(name)'; `autocoder serve --list-devices` lists them")
                }
                candidates = matching
            } else {
                candidates = try PortAudio.candidates()
            }
        } catch let error as AudioOutputError where name == nil {
            return .none(reason: error.description)
        }
        var reasons: [String] = []
        for device in candidates {
            guard device.outputChannels >= channels else {
                reasons.append("\(device.name): \(device.outputChannels) output channels, \(channels) needed")
                continue
            }
            for rate in [sampleRate ?? 44100, device.defaultSampleRate] where supports(device, rate: rate, channels: channels) {
                return .device(device, sampleRate: rate)
            }
            reasons.append("\(device.name): refuses \(channels) channels at \(Int(sampleRate ?? 44100)) Hz")
        }
        if name != nil { throw AudioOutputError(description: "the named device cannot play: " + reasons.joined(separator: "; ")) }
        return .none(reason: candidates.isEmpty ? "no sound output devices" : reasons.joined(separator: "; "))
    }

    private static func supports(_ device: AudioDevice, rate: Double, channels: Int) -> Bool {
        var parameters = PortAudio.streamParameters(device, channels: channels)
        return PortAudio.withStandardErrorSilenced { Pa_IsFormatSupported(nil, &parameters, rate) } == paFormatIsSupported
    }
}

public final class PortAudioOutput: AudioOutput {
    public let device: AudioDevice
    public let sampleRate: Double
    public let blockSize: Int
    private let channels: Int
    /// Input channels opened with the output (0: output only).
    public let inputChannels: Int
    private var stream: OpaquePointer?
    private var context: Unmanaged<StreamContext>?

    public init(device: AudioDevice, sampleRate: Double, blockSize: Int, channels: Int, inputChannels: Int = 0) {
        self.device = device
        self.sampleRate = sampleRate
        self.blockSize = blockSize
        self.channels = channels
        self.inputChannels = inputChannels
    }

    public var description: String {
        "PortAudio: \(device.name) [\(device.hostAPI)], \(Int(sampleRate)) Hz, block \(blockSize)"
            + (inputChannels > 0 ? ", \(inputChannels) input channel\(inputChannels == 1 ? "" : "s")" : "")
    }

    public func start(_ engine: SynthesisEngine) throws {
        guard inputChannels <= device.inputChannels else {
            throw AudioOutputError(description: "\(device.name) has \(device.inputChannels) input channels; \(inputChannels) asked for")
        }
        let retained = Unmanaged.passRetained(StreamContext(engine: engine, inputChannels: inputChannels))
        var parameters = PortAudio.streamParameters(device, channels: channels)
        var inputParameters = PortAudio.streamParameters(device, channels: inputChannels)
        var stream: UnsafeMutableRawPointer?
        let status = PortAudio.withStandardErrorSilenced {
            withUnsafeMutablePointer(to: &inputParameters) { input in
                Pa_OpenStream(&stream, inputChannels > 0 ? input : nil, &parameters, sampleRate, UInt(blockSize),
                              PaStreamFlags(paClipOff), renderCallback, retained.toOpaque())
            }
        }
        guard status == paNoError.rawValue, let stream else {
            retained.release()
            throw AudioOutputError(description: "\(device.name) would not open: \(String(cString: Pa_GetErrorText(status)))")
        }
        let started = Pa_StartStream(stream)
        guard started == paNoError.rawValue else {
            Pa_CloseStream(stream)
            retained.release()
            throw AudioOutputError(description: "\(device.name) would not start: \(String(cString: Pa_GetErrorText(started)))")
        }
        self.stream = OpaquePointer(stream)
        self.context = retained
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
}

/// What the PortAudio callback needs: the engine and the shape of the input.
private final class StreamContext {
    let engine: SynthesisEngine
    let inputChannels: Int
    init(engine: SynthesisEngine, inputChannels: Int) {
        self.engine = engine
        self.inputChannels = inputChannels
    }
}

/// The PortAudio callback: the render thread's entry point. No allocation,
/// locks or I/O; the context is borrowed, not retained.
private func renderCallback(
    input: UnsafeRawPointer?, output: UnsafeMutableRawPointer?, frameCount: UInt,
    timeInfo: UnsafePointer<PaStreamCallbackTimeInfo>?, statusFlags: PaStreamCallbackFlags,
    userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let output, let userData else { return Int32(paAbort.rawValue) }
    Unmanaged<StreamContext>.fromOpaque(userData)._withUnsafeGuaranteedRef { context in
        let engine = context.engine
        if statusFlags & PaStreamCallbackFlags(paOutputUnderflow | paInputOverflow) != 0 {
            engine.status.xruns.wrappingIncrement(ordering: .relaxed)
        }
        engine.render(output.assumingMemoryBound(to: Float.self), frames: Int(frameCount),
                      input: input?.assumingMemoryBound(to: Float.self), inputChannels: context.inputChannels)
    }
    return Int32(paContinue.rawValue)
}

/// Renders on its own thread at the pace of the clock, as a sound card would
/// take samples, and throws them away (the recording tap still sees them).
public final class NullOutput: AudioOutput {
    public let sampleRate: Double
    public let blockSize: Int
    private let channels: Int
    private let reason: String
    private let running = ManagedFlag()
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    public init(sampleRate: Double, blockSize: Int, channels: Int, reason: String) {
        self.sampleRate = sampleRate
        self.blockSize = blockSize
        self.channels = channels
        self.reason = reason
    }

    public var description: String { "null output (nothing is heard), \(Int(sampleRate)) Hz, block \(blockSize): \(reason)" }

    public func start(_ engine: SynthesisEngine) throws {
        running.set(true)
        let (blockSize, channels, sampleRate, running, finished) = (self.blockSize, self.channels, self.sampleRate, self.running, self.finished)
        let thread = Thread {
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: blockSize * channels)
            defer { buffer.deallocate(); finished.signal() }
            let period = Int(Double(blockSize) / sampleRate * 1e9)
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            while running.isSet {
                engine.render(buffer, frames: blockSize)
                deadline.tv_nsec += period
                while deadline.tv_nsec >= 1_000_000_000 { deadline.tv_nsec -= 1_000_000_000; deadline.tv_sec += 1 }
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let lateNanoseconds = (now.tv_sec - deadline.tv_sec) * 1_000_000_000 + (now.tv_nsec - deadline.tv_nsec)
                if lateNanoseconds > period {
                    // A real device would have underrun here; count it and catch up.
                    engine.status.xruns.wrappingIncrement(ordering: .relaxed)
                    deadline = now
                } else {
                    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
                }
            }
        }
        thread.name = "autocoder render (null output)"
        thread.qualityOfService = .userInteractive
        self.thread = thread
        thread.start()
    }

    public func stop() {
        guard thread != nil else { return }
        running.set(false)
        finished.wait()
        thread = nil
    }

    deinit { stop() }
}

/// A thread-safe boolean for stop requests.
final class ManagedFlag: @unchecked Sendable {
    private let value = ManagedAtomic<Bool>(false)
    func set(_ on: Bool) { value.store(on, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}


