// Which backend an output plays through: the word /status reports in its
// `output` field (with "lost" in place of it while no device plays).

public enum AudioOutputKind: String, Sendable {
    case jack
    case portAudio = "portaudio"
    case null
}
