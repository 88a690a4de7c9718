// One OSC argument's value as OSCQuery writes it in VALUE and in a RANGE's
// VALS: a JSON number, string, boolean or null (N, I, blobs, and what has no
// value yet).
//
// A value: any thread.

public enum OSCQueryValue: Sendable, Equatable {
    case int(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    case null
}
