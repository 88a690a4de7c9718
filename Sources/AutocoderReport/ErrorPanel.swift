// The reconstruction's spectral RMSE frame by frame over time, its mean as a
// horizontal line, and the mean-frame baseline (every frame replaced by the
// source's mean frame): its per-frame RMSE faintly and its mean as a dashed
// line; the legend gives both means. Values; one thread per canvas.

import Foundation

struct ErrorPanel {
    let reconstruction: Reconstruction
    let duration: Double

    func draw(on canvas: Canvas, in rect: CGRect) {
        let r = reconstruction
        let high = max(r.errors.max() ?? 0, r.baselineErrors.max() ?? 0)
        // Headroom above the highest frame for the legend.
        let frame = PlotFrame(rect: rect, x: 0...duration, y: 0...(high > 0 ? high * 1.6 : 1))
        frame.axes(on: canvas, xLabel: "time (s)", yLabel: "spectral RMSE ([0,1] scale)")
        let times = (0..<r.frames).map { Reconstruction.time(frame: $0) }
        canvas.clipped(to: rect) {
            canvas.line(zip(times, r.baselineErrors).map { frame.point($0, $1) }, Color.baseline.mixed(with: .white, 0.55), width: 1)
            canvas.line(zip(times, r.errors).map { frame.point($0, $1) }, .series, width: 1.2)
            canvas.line([frame.point(0, r.baselineRMSE), frame.point(duration, r.baselineRMSE)], .baseline, width: 2, dash: [7, 4])
            canvas.line([frame.point(0, r.meanRMSE), frame.point(duration, r.meanRMSE)], Color(10, 60, 120), width: 2)
        }
        Legend(entries: [
            .line("reconstruction, per frame", .series, width: 1.2),
            .line(String(format: "reconstruction, mean %.4f", r.meanRMSE), Color(10, 60, 120)),
            .line("mean-frame baseline, per frame", Color.baseline.mixed(with: .white, 0.55), width: 1),
            .line(String(format: "mean-frame baseline, mean %.4f", r.baselineRMSE), .baseline, dash: [7, 4]),
        ]).draw(on: canvas, in: rect)
        frame.title("Spectral RMSE per frame, reconstruction vs source", on: canvas)
    }
}
