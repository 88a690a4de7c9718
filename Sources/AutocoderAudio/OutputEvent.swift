// What the output supervisor tells the server: the device went away, it came
// back, or something the user should know about the output.

public enum OutputEvent: Sendable, Equatable {
    /// No device plays any more; the null output has taken over.
    case lost(reason: String)
    /// A device plays again (its description).
    case restored(description: String)
    /// Worth a warning, nothing changed (e.g. JACK came back at another rate).
    case notice(String)
}
