// The range of one OSC argument (one entry of RANGE): none known, bounds, or
// the only values accepted (a menu).
//
// A value: any thread.

public enum OSCQueryRange: Sendable, Equatable {
    /// Written as a JSON null placeholder; a method whose every range is unbounded gets no RANGE.
    case unbounded
    /// {MIN, MAX}; an infinite or NaN end is left out, so `bounds(min: 0, max: .infinity)` is {MIN: 0}.
    case bounds(min: Double, max: Double)
    /// {VALS: […]}.
    case values([OSCQueryValue])
}
