// Why the engine refuses to schedule a command (`send(_:to:atFrame:)`).
//
// A value; any thread.

public enum ScheduleError: Error, CustomStringConvertible, Equatable {
    /// As many commands as the engine holds are waiting for their frames.
    case full(Int)

    public var description: String {
        switch self {
        case let .full(most): "\(most) scheduled commands are waiting already: no more until some of them are due"
        }
    }
}
