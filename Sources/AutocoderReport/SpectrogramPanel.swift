// One spectrogram of the report: frames (time, left to right) × mel bands
// (band 0 at the bottom) drawn in a plot's data area, each pixel the mean of
// the values it covers (the frames and bands falling in it, or the nearest one
// when there are fewer values than pixels) through a colour map; its axes
// (time in s, mel band) and title. Values; one thread per canvas.

import Foundation

struct SpectrogramPanel {
    /// Frames row after row, `bands` values each.
    let values: [Float]
    let frames: Int
    let bands: Int
    /// Seconds at the centres of the first and last frames, and between frames.
    let firstTime: Double
    let frameStep: Double
    /// Value → position in the colour map, [0,1].
    let scale: (Double) -> Double
    let map: ColorMap

    /// For each of `pixels` cells, the range of the `count` values that fall in it (never empty).
    static func cells(_ count: Int, into pixels: Int) -> [Range<Int>] {
        (0..<pixels).map { p in
            let start = min(count - 1, p * count / pixels)
            return start..<max(start + 1, (p + 1) * count / pixels)
        }
    }

    /// Draws it in `frame`, whose x axis is seconds and y axis mel bands.
    func draw(on canvas: Canvas, in frame: PlotFrame, title: String) {
        let left = frame.px(firstTime - frameStep / 2), right = frame.px(firstTime + frameStep * (Double(frames) - 0.5))
        let x0 = Int(max(frame.rect.minX, left).rounded()), x1 = Int(min(frame.rect.maxX, right).rounded())
        let y0 = Int(frame.rect.minY.rounded()), y1 = Int(frame.rect.maxY.rounded())
        let columns = x1 - x0, rows = y1 - y0
        canvas.fill(frame.rect, .panel)
        if columns > 0, rows > 0, frames > 0 {
            let frameCells = Self.cells(frames, into: columns), bandCells = Self.cells(bands, into: rows)
            var pixels = [UInt32](repeating: 0, count: columns * rows)
            values.withUnsafeBufferPointer { v in
                for (c, frameRange) in frameCells.enumerated() {
                    for (r, bandRange) in bandCells.enumerated() {
                        var sum = 0.0
                        for f in frameRange { for b in bandRange { sum += Double(v[f * bands + b]) } }
                        let mean = sum / Double(frameRange.count * bandRange.count)
                        // Row 0 is the top: the highest bands.
                        pixels[(rows - 1 - r) * columns + c] = map.color(scale(mean)).pixel
                    }
                }
            }
            canvas.raster(pixels, columns: columns, at: CGPoint(x: x0, y: y0))
        }
        frame.axes(on: canvas, xLabel: "time (s)", yLabel: "mel band", grid: false,
                   yTicks: [0, 128, 256, 384, Double(bands - 1)].filter { $0 < Double(bands) })
        frame.title(title, on: canvas)
    }
}
