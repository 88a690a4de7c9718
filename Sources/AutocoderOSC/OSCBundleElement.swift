// What an OSC bundle holds: messages and bundles (each bundle with its own
// time tag), for `OSCCodec.encodeBundle`.
//
// A value; any thread.

public indirect enum OSCBundleElement: Equatable, Sendable {
    case message(OSCMessage)
    case bundle(time: OSCTimeTag, elements: [OSCBundleElement])
}
