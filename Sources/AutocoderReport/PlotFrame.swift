// A plot's data area: where data values land in pixels (a linear x axis, a
// linear or logarithmic y axis), and its axes drawn around it — ticks and
// their numbers, axis labels, a title above. Values; one thread per canvas.

import Foundation

struct PlotFrame {
    /// The data area in pixels.
    let rect: CGRect
    let x: ClosedRange<Double>
    let y: ClosedRange<Double>
    let logY: Bool

    static let titleSize = 15.0
    static let labelSize = 13.0
    static let tickSize = 12.0

    init(rect: CGRect, x: ClosedRange<Double>, y: ClosedRange<Double>, logY: Bool = false) {
        self.rect = rect
        self.x = x.upperBound > x.lowerBound ? x : x.lowerBound...(x.lowerBound + 1)
        self.y = y.upperBound > y.lowerBound ? y : y.lowerBound...(y.lowerBound + (logY ? y.lowerBound : 1))
        self.logY = logY
    }

    func px(_ v: Double) -> Double {
        rect.minX + (v - x.lowerBound) / (x.upperBound - x.lowerBound) * rect.width
    }

    func py(_ v: Double) -> Double {
        let t = logY ? (log10(v) - log10(y.lowerBound)) / (log10(y.upperBound) - log10(y.lowerBound))
                     : (v - y.lowerBound) / (y.upperBound - y.lowerBound)
        return rect.maxY - t * rect.height
    }

    func point(_ xv: Double, _ yv: Double) -> CGPoint { CGPoint(x: px(xv), y: py(yv)) }

    /// The title above the area, left-aligned with it.
    func title(_ text: String, on canvas: Canvas) {
        canvas.text(text, at: CGPoint(x: rect.minX, y: rect.minY - 10), size: Self.titleSize, bold: true)
    }

    /// Ticks on both axes (with light grid lines when `grid`, horizontal ones
    /// only when `yGrid` too), their numbers, and the axis labels;
    /// `yTickLabel` writes the y axis's numbers instead.
    func axes(on canvas: Canvas, xLabel: String, yLabel: String, grid: Bool = true, yGrid: Bool = true,
              xTicks: [Double]? = nil, yTicks: [Double]? = nil, yTickLabel: ((Double) -> String)? = nil) {
        let xt = xTicks ?? Ticks.linear(x, count: max(2, Int(rect.width / 80)))
        let yt = yTicks ?? (logY ? Ticks.logarithmic(y) : Ticks.linear(y, count: max(2, Int(rect.height / 60))))
        let xStep = xt.count > 1 ? xt[1] - xt[0] : 1
        let yStep = yt.count > 1 ? yt[1] - yt[0] : 1
        if grid {
            for v in xt { canvas.hairline(from: CGPoint(x: px(v), y: rect.minY), to: CGPoint(x: px(v), y: rect.maxY), .grid) }
            for v in yt where yGrid { canvas.hairline(from: CGPoint(x: rect.minX, y: py(v)), to: CGPoint(x: rect.maxX, y: py(v)), .grid) }
        }
        canvas.stroke(rect, .axis)
        for v in xt {
            canvas.hairline(from: CGPoint(x: px(v), y: rect.maxY), to: CGPoint(x: px(v), y: rect.maxY + 5), .axis)
            canvas.text(Ticks.label(v, step: xStep), at: CGPoint(x: px(v), y: rect.maxY + 7), size: Self.tickSize,
                        color: .secondaryText, align: .center, baseline: .top)
        }
        var widest = 0.0
        for v in yt {
            let label = yTickLabel?(v) ?? (logY ? Ticks.logLabel(v) : Ticks.label(v, step: yStep))
            widest = max(widest, canvas.textWidth(label, size: Self.tickSize))
            canvas.hairline(from: CGPoint(x: rect.minX - 5, y: py(v)), to: CGPoint(x: rect.minX, y: py(v)), .axis)
            canvas.text(label, at: CGPoint(x: rect.minX - 8, y: py(v)), size: Self.tickSize, color: .secondaryText, align: .right, baseline: .middle)
        }
        canvas.text(xLabel, at: CGPoint(x: rect.midX, y: rect.maxY + 26), size: Self.labelSize, align: .center, baseline: .top)
        canvas.text(yLabel, at: CGPoint(x: rect.minX - 14 - widest, y: rect.midY), size: Self.labelSize, align: .center,
                    baseline: .bottom, rotated: true)
    }
}
