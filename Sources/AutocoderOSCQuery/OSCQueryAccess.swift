// ACCESS, the proposal's bit mask: whether a method's value can be read
// (queried) and written (sent).
//
// A value: any thread.

public enum OSCQueryAccess: Int, Sendable {
    case none = 0
    case read = 1
    case write = 2
    case readWrite = 3

    /// A VALUE is served only for readable methods; querying one elsewhere is a 204.
    var isReadable: Bool { rawValue & OSCQueryAccess.read.rawValue != 0 }
}
