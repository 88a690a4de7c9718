// The training loss per epoch from ANCHOR.training.json (a logarithmic y axis
// when the losses span more than a decade), the best epoch — the one whose
// weights the model files hold — marked, and a legend; or, for a model with no
// history, a panel saying so. Epochs whose loss is not finite are left out of
// the line (and said in the legend); a history whose architecture is not the
// model's is flagged. Values; one thread per canvas.

import Foundation

struct LossPanel {
    let history: TrainingHistory?
    /// "shallow" or "deep", as the model's layers say: a history of the other kind is another run's.
    let modelArchitecture: String

    /// Why the history may not be this model's, or nil.
    var mismatch: String? {
        guard let history, history.architecture != modelArchitecture else { return nil }
        return "the loss history is of a \(history.architecture) model, but this model's layers are \(modelArchitecture): it may be another run's"
    }

    /// Whether a y axis over `losses` is logarithmic: positive and over a decade apart.
    static func isLogarithmic(_ losses: [Double]) -> Bool {
        guard let low = losses.min(), let high = losses.max(), low > 0 else { return false }
        return high / low > 10
    }

    /// Draws in `rect` (the data area; the axes go outside it).
    func draw(on canvas: Canvas, in rect: CGRect) {
        guard let history, !history.losses.isEmpty else {
            canvas.fill(rect, .panel)
            canvas.stroke(rect, Color(200, 200, 200))
            canvas.text("Training loss", at: CGPoint(x: rect.minX, y: rect.minY - 10), size: PlotFrame.titleSize, bold: true)
            canvas.text("not trained here: no loss history", at: CGPoint(x: rect.midX, y: rect.midY - 12), size: 16,
                        color: .secondaryText, align: .center, baseline: .middle)
            canvas.text("(autocoder train writes it beside the model: ANCHOR.training.json)", at: CGPoint(x: rect.midX, y: rect.midY + 14),
                        size: 12, color: .secondaryText, align: .center, baseline: .middle)
            return
        }
        let epochs = history.losses.count
        let finite = history.losses.enumerated().filter { $0.element.isFinite }
        let values = finite.map(\.element)
        let logY = Self.isLogarithmic(values)
        let low = values.min() ?? 0, high = values.max() ?? 1
        let y: ClosedRange<Double> = logY ? (low / 1.25)...(high * 1.25)
                                          : max(0, low - (high - low) * 0.08)...(high + (high - low) * 0.08 + (high == low ? 1 : 0))
        // A little room at both ends, so the first and the best epoch's marks are whole.
        let pad = max(1, Double(epochs) * 0.02)
        let frame = PlotFrame(rect: rect, x: (1 - pad)...(Double(epochs) + pad), y: y, logY: logY)
        frame.axes(on: canvas, xLabel: "epoch", yLabel: logY ? "loss (log scale)" : "loss")
        canvas.clipped(to: rect) {
            // A line through runs of finite losses; a gap where one is not.
            var run: [CGPoint] = []
            for (i, loss) in history.losses.enumerated() {
                if loss.isFinite {
                    run.append(frame.point(Double(i + 1), loss))
                } else {
                    canvas.line(run, .series, width: 1.5)
                    run = []
                }
            }
            canvas.line(run, .series, width: 1.5)
            if let best = history.bestLoss {
                let x = frame.px(Double(history.bestEpoch))
                canvas.line([CGPoint(x: x, y: rect.minY), CGPoint(x: x, y: rect.maxY)], .mark, width: 1, dash: [4, 3])
                canvas.circle(frame.point(Double(history.bestEpoch), best), radius: 5, .mark)
            }
        }
        var entries = [Legend.Entry.line("loss per epoch (\(epochs) epochs)", .series)]
        if let best = history.bestLoss {
            entries.append(.dot("best: epoch \(history.bestEpoch), loss \(Self.number(best))", .mark))
        }
        let notFinite = epochs - finite.count
        if notFinite > 0 { entries.append(.line("\(notFinite) epoch\(notFinite == 1 ? "" : "s") not finite (left out)", .secondaryText, dash: [2, 2])) }
        Legend(entries: entries).draw(on: canvas, in: rect)
        frame.title(String(format: "Training loss — %@, %@, %.2f s/epoch", history.architecture, history.stoppedBy, history.secondsPerEpoch), on: canvas)
        if mismatch != nil {
            canvas.text("a \(history.architecture) model's history, but this model is \(modelArchitecture): another run's?",
                        at: CGPoint(x: rect.midX, y: rect.maxY + 46), size: 12, bold: true, color: .mark, align: .center, baseline: .top)
        }
    }

    /// A loss with four significant figures.
    static func number(_ v: Double) -> String { String(format: abs(v) >= 1000 ? "%.0f" : "%.4g", v) }
}
