// A decoded message with the time tag it is meant for: that of the innermost
// bundle holding it (`OSCCodec.decodeTimed`), or "immediately" for a message
// sent on its own.
//
// A value; any thread.

public struct OSCTimedMessage: Equatable, Sendable {
    public var message: OSCMessage
    public var time: OSCTimeTag

    public init(_ message: OSCMessage, time: OSCTimeTag = .immediately) {
        self.message = message
        self.time = time
    }
}
