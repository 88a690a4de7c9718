// Where an axis puts its ticks, and how it writes their numbers: steps of 1,
// 2 or 5 times a power of ten on a linear axis, decades (and 2 and 5 between
// them when the axis spans little more than a decade) on a logarithmic one.
// Values; any thread.

import Foundation

enum Ticks {
    /// About `count` round values in `range` (its ends included when they are round).
    static func linear(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let step = self.step(span / Double(max(count, 1)))
        let first = (range.lowerBound / step).rounded(.up)
        let last = (range.upperBound / step + 1e-9).rounded(.down)
        guard first <= last else { return [] }
        return (Int(first)...Int(last)).map { Double($0) * step }
    }

    /// The round step (1, 2, 5 × 10^k) nearest above `raw`.
    static func step(_ raw: Double) -> Double {
        let power = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * power >= raw * 0.999 { return m * power }
        return 10 * power
    }

    /// Round values in `range` (positive) for a logarithmic axis.
    static func logarithmic(_ range: ClosedRange<Double>) -> [Double] {
        let low = floor(log10(range.lowerBound)), high = ceil(log10(range.upperBound))
        let multiples: [Double] = high - low <= 2 ? [1, 2, 5] : [1]
        var ticks: [Double] = []
        var decade = low
        while decade <= high {
            for m in multiples {
                let v = m * pow(10, decade)
                if v >= range.lowerBound * 0.999 && v <= range.upperBound * 1.001 { ticks.append(v) }
            }
            decade += 1
        }
        return ticks
    }

    /// `value` with as many decimals as `step` needs (no "-0").
    static func label(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(6, Int(ceil(-log10(step) - 1e-9)))
        let text = String(format: "%.\(decimals)f", value)
        return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
    }

    /// A value on a logarithmic axis: plain below 10⁵, else 1e5, 2e5 ….
    static func logLabel(_ value: Double) -> String {
        if value >= 1e5 || value < 1e-3 {
            let exponent = Int(floor(log10(value)))
            let mantissa = value / pow(10, Double(exponent))
            return abs(mantissa - 1) < 1e-6 ? "1e\(exponent)" : String(format: "%.0fe%d", mantissa, exponent)
        }
        return value >= 1 ? String(format: "%.0f", value) : String(format: "%g", value)
    }
}
