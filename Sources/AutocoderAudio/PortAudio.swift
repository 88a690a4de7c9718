// The PortAudio library, initialised once per process, for every device that
// is not JACK (ALSA and the rest). JACK is played natively (JackOutput), so
// PortAudio's own JACK devices are left out of its list.
//
// Threading: any control thread (a lock guards initialisation); never the
// render thread.

internal import CPortAudio
import Foundation

public enum PortAudio {
    nonisolated(unsafe) private static var initialised = false
    nonisolated(unsafe) private static var jackClientName = "autocoder"
    private static let lock = NSLock()

    /// The name PortAudio's JACK host API gives its (idle) client in JACK
    /// when PortAudio starts while a JACK server runs. Only before the first
    /// use of PortAudio.
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

    /// Every device with outputs, but PortAudio's JACK ones.
    public static func devices() throws -> [AudioDevice] {
        try initialise()
        let defaultIndex = Int(Pa_GetDefaultOutputDevice())
        return (0..<max(0, Int(Pa_GetDeviceCount()))).compactMap { index in
            guard let info = Pa_GetDeviceInfo(PaDeviceIndex(index))?.pointee, info.maxOutputChannels > 0 else { return nil }
            guard let host = Pa_GetHostApiInfo(info.hostApi)?.pointee, host.type != paJACK else { return nil }
            return AudioDevice(index: index, name: String(cString: info.name), hostAPI: String(cString: host.name),
                               outputChannels: Int(info.maxOutputChannels), inputChannels: Int(info.maxInputChannels),
                               defaultSampleRate: info.defaultSampleRate,
                               isDefault: index == defaultIndex)
        }
    }

    /// The devices to try when none is named: the system default, then every other output.
    static func candidates() throws -> [AudioDevice] {
        let all = try devices()
        return all.filter(\.isDefault) + all.filter { !$0.isDefault }
    }

    /// Interleaved float channels on `device`, asking for 20 ms of latency.
    static func streamParameters(_ device: AudioDevice, channels: Int) -> PaStreamParameters {
        PaStreamParameters(device: PaDeviceIndex(device.index), channelCount: Int32(channels),
                           sampleFormat: PaSampleFormat(paFloat32), suggestedLatency: 0.02, hostApiSpecificStreamInfo: nil)
    }

    /// Whether `device` takes `channels` float channels at `rate`.
    static func supports(_ device: AudioDevice, rate: Double, channels: Int) -> Bool {
        var parameters = streamParameters(device, channels: channels)
        return withStandardErrorSilenced { Pa_IsFormatSupported(nil, &parameters, rate) } == paFormatIsSupported
    }

    static func errorText(_ code: Int32) -> String { String(cString: Pa_GetErrorText(code)) }

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
