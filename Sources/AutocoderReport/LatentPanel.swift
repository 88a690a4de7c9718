// Where the training frames fall in the latent space: one row per dimension,
// a histogram of the frames' encodings (scaled by the `.mm`, so the training
// set spans [0,1]) over the x axis, under it a line from the smallest to the
// largest value, and the median marked. The axis widens past [0,1] when some
// frames encode outside it (0 and 1 are then drawn as dashed lines).
// Values; one thread per canvas.

import Foundation

struct LatentPanel {
    /// Rows of `dimensions` values.
    let latents: [Float]
    let dimensions: Int

    static let bins = 50

    func draw(on canvas: Canvas, in rect: CGRect) {
        let frames = dimensions > 0 ? latents.count / dimensions : 0
        let finite = latents.lazy.filter(\.isFinite).map(Double.init)
        let low = min(0, finite.min() ?? 0), high = max(1, finite.max() ?? 1)
        let pad = (high - low) > 1 ? (high - low) * 0.02 : 0
        let frame = PlotFrame(rect: rect, x: (low - pad)...(high + pad), y: 0...Double(max(dimensions, 1)))
        let rowHeight = rect.height / Double(max(dimensions, 1))
        frame.axes(on: canvas, xLabel: "latent value (scaled by the .mm: the training set spans [0, 1])", yLabel: "dimension", grid: true, yGrid: false,
                   yTicks: (0..<dimensions).map { Double(dimensions - $0) - 0.5 }, yTickLabel: { "z\(dimensions - Int($0 - 0.5))" })
        if low < 0 || high > 1 {
            for v in [0.0, 1.0] { canvas.hairline(from: CGPoint(x: frame.px(v), y: rect.minY), to: CGPoint(x: frame.px(v), y: rect.maxY), .axis, dash: [3, 3]) }
        }
        var outside = 0, total = 0
        for d in 0..<dimensions {
            let values = (0..<frames).map { Double(latents[$0 * dimensions + d]) }.filter(\.isFinite).sorted()
            guard let first = values.first, let last = values.last else { continue }
            outside += values.count { $0 < 0 || $0 > 1 }
            total += values.count
            let top = rect.minY + rowHeight * Double(d)
            if d > 0 { canvas.hairline(from: CGPoint(x: rect.minX, y: top), to: CGPoint(x: rect.maxX, y: top), Color(200, 200, 200)) }
            var counts = [Int](repeating: 0, count: Self.bins)
            let span = frame.x.upperBound - frame.x.lowerBound
            for v in values { counts[min(Self.bins - 1, max(0, Int((v - frame.x.lowerBound) / span * Double(Self.bins))))] += 1 }
            let most = Double(counts.max() ?? 1)
            let barBottom = top + rowHeight * 0.72, barTop = top + rowHeight * 0.12
            let binWidth = rect.width / Double(Self.bins)
            for (b, count) in counts.enumerated() where count > 0 {
                let h = (barBottom - barTop) * Double(count) / most
                canvas.fill(CGRect(x: rect.minX + Double(b) * binWidth + 0.5, y: barBottom - h, width: binWidth - 1, height: h), .series)
            }
            let lineY = top + rowHeight * 0.86
            canvas.line([CGPoint(x: frame.px(first), y: lineY), CGPoint(x: frame.px(last), y: lineY)], .axis, width: 1.5)
            for v in [first, last] {
                canvas.line([CGPoint(x: frame.px(v), y: lineY - 4), CGPoint(x: frame.px(v), y: lineY + 4)], .axis, width: 1.5)
            }
            let median = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
            canvas.line([CGPoint(x: frame.px(median), y: barTop - 2), CGPoint(x: frame.px(median), y: lineY + 5)], .mark, width: 2)
        }
        frame.title("Training frames in the latent space (\(frames) frames)", on: canvas)
        let key = "bars: histogram, each row to its tallest · black: min to max · red: median"
        canvas.text(key, at: CGPoint(x: rect.midX, y: rect.maxY + 46), size: 11, color: .secondaryText, align: .center, baseline: .top)
        if outside > 0 {
            let excess = max(-low, high - 1)
            let by = excess < 1e-3 ? String(format: "by at most %.1e", excess) : String(format: "from %.3f to %.3f", low, high)
            canvas.text("\(outside) of \(total) values outside [0, 1] (dashed lines), \(by)",
                        at: CGPoint(x: rect.midX, y: rect.maxY + 62), size: 11, color: .secondaryText, align: .center, baseline: .top)
        }
    }
}
