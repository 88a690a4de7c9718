// A vertical colour bar: the colour map from the range's bottom to its top,
// ticks and their values on its right, and its label beside them (reading
// upwards). Values; one thread per canvas.

import Foundation

struct ColorBar {
    let map: ColorMap
    let range: ClosedRange<Double>
    let label: String
    let ticks: [Double]
    let tickLabel: (Double) -> String

    static let width = 16.0

    /// Draws the bar in `rect` (its width is the bar's); returns the right edge of its label.
    @discardableResult
    func draw(on canvas: Canvas, in rect: CGRect) -> Double {
        let rows = Int(rect.height.rounded()), columns = Int(rect.width.rounded())
        guard rows > 0, columns > 0 else { return rect.maxX }
        var pixels = [UInt32](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            let pixel = map.color(1 - (Double(r) + 0.5) / Double(rows)).pixel
            for c in 0..<columns { pixels[r * columns + c] = pixel }
        }
        canvas.raster(pixels, columns: columns, at: rect.origin)
        canvas.stroke(rect, .axis)
        var widest = 0.0
        let span = range.upperBound - range.lowerBound
        for v in ticks where v >= range.lowerBound - span * 1e-9 && v <= range.upperBound + span * 1e-9 {
            let y = rect.maxY - (v - range.lowerBound) / span * rect.height
            canvas.hairline(from: CGPoint(x: rect.maxX, y: y), to: CGPoint(x: rect.maxX + 4, y: y), .axis)
            let text = tickLabel(v)
            widest = max(widest, canvas.textWidth(text, size: PlotFrame.tickSize))
            canvas.text(text, at: CGPoint(x: rect.maxX + 6, y: y), size: PlotFrame.tickSize, color: .secondaryText, baseline: .middle)
        }
        let labelX = rect.maxX + 10 + widest
        canvas.text(label, at: CGPoint(x: labelX, y: rect.midY), size: PlotFrame.labelSize, align: .center, baseline: .top, rotated: true)
        return labelX + 18
    }
}
