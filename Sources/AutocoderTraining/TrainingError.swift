// Training that ran but gave no model worth writing (diverged, or a latent
// range with nothing in it). A value; any thread.

public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
