// A plot's legend: a white box in a corner of its data area with one row per
// entry, a sample of the line (or the dot) and its words. Values; one thread per canvas.

import Foundation

struct Legend {
    struct Entry {
        enum Sample { case line(dash: [Double], width: Double), dot }
        let label: String
        let color: Color
        let sample: Sample

        static func line(_ label: String, _ color: Color, dash: [Double] = [], width: Double = 2) -> Entry {
            Entry(label: label, color: color, sample: .line(dash: dash, width: width))
        }
        static func dot(_ label: String, _ color: Color) -> Entry { Entry(label: label, color: color, sample: .dot) }
    }

    enum Corner { case topRight, topLeft, bottomRight }

    let entries: [Entry]

    static let size = 12.0
    static let rowHeight = 18.0

    /// Draws the box inside `area`, `corner` 8 px from its edges.
    func draw(on canvas: Canvas, in area: CGRect, corner: Corner = .topRight) {
        let sampleWidth = 26.0, padding = 8.0
        let textWidth = entries.map { canvas.textWidth($0.label, size: Self.size) }.max() ?? 0
        let width = padding * 3 + sampleWidth + textWidth, height = padding * 2 + Self.rowHeight * Double(entries.count) - 4
        let x = corner == .topLeft ? area.minX + 8 : area.maxX - 8 - width
        let y = corner == .bottomRight ? area.maxY - 8 - height : area.minY + 8
        let box = CGRect(x: x, y: y, width: width, height: height)
        canvas.fill(box, .white)
        canvas.stroke(box, Color(190, 190, 190))
        for (i, entry) in entries.enumerated() {
            let middle = y + padding + Self.rowHeight * (Double(i) + 0.5) - 2
            switch entry.sample {
            case let .line(dash, width):
                canvas.line([CGPoint(x: x + padding, y: middle), CGPoint(x: x + padding + sampleWidth, y: middle)], entry.color, width: width, dash: dash)
            case .dot:
                canvas.circle(CGPoint(x: x + padding + sampleWidth / 2, y: middle), radius: 4.5, entry.color)
            }
            canvas.text(entry.label, at: CGPoint(x: x + padding * 2 + sampleWidth, y: middle), size: Self.size, baseline: .middle)
        }
    }
}
