// A white cairo image surface and the few drawing operations the report
// needs: lines, rectangles, text (cairo's toy text API, "sans-serif"), and
// rasters of pixels placed one to one; `png()` encodes it in memory.
// Coordinates are pixels from the top left.
//
// One thread at a time per canvas (a cairo context is not shared); separate
// canvases may draw on separate threads. Allocates.

import CCairo
import Foundation

final class Canvas {
    let width: Int
    let height: Int
    private let surface: OpaquePointer
    private let context: OpaquePointer

    enum Align { case left, center, right }
    enum Baseline { case top, middle, bottom }

    init(width: Int, height: Int) throws {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw ReportError("cairo could not make a \(width) × \(height) image")
        }
        guard let context = cairo_create(surface), cairo_status(context) == CAIRO_STATUS_SUCCESS else {
            cairo_surface_destroy(surface)
            throw ReportError("cairo could not draw on a \(width) × \(height) image")
        }
        self.width = width
        self.height = height
        self.surface = surface
        self.context = context
        cairo_select_font_face(context, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        fill(CGRect(x: 0, y: 0, width: width, height: height), Color.white)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    private func set(_ color: Color) { cairo_set_source_rgb(context, color.red, color.green, color.blue) }

    func fill(_ rect: CGRect, _ color: Color) {
        set(color)
        cairo_rectangle(context, rect.minX, rect.minY, rect.width, rect.height)
        cairo_fill(context)
    }

    /// The outline of `rect`, on the pixel grid (a 1-pixel line stays sharp).
    func stroke(_ rect: CGRect, _ color: Color, width: Double = 1) {
        set(color)
        cairo_set_line_width(context, width)
        cairo_rectangle(context, rect.minX.rounded() + 0.5, rect.minY.rounded() + 0.5, rect.width.rounded() - 1, rect.height.rounded() - 1)
        cairo_stroke(context)
    }

    /// A line through `points`; `dash` lengths alternate on and off.
    func line(_ points: [CGPoint], _ color: Color, width: Double = 1, dash: [Double] = []) {
        guard points.count >= 2 else { return }
        set(color)
        cairo_set_line_width(context, width)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        dash.withUnsafeBufferPointer { cairo_set_dash(context, $0.baseAddress, Int32(dash.count), 0) }
        cairo_move_to(context, points[0].x, points[0].y)
        for p in points.dropFirst() { cairo_line_to(context, p.x, p.y) }
        cairo_stroke(context)
        cairo_set_dash(context, nil, 0, 0)
    }

    /// A horizontal or vertical 1-pixel line on the pixel grid.
    func hairline(from a: CGPoint, to b: CGPoint, _ color: Color, dash: [Double] = []) {
        let snap = { (v: CGFloat) in v.rounded(.down) + 0.5 }
        line(a.x == b.x ? [CGPoint(x: snap(a.x), y: a.y), CGPoint(x: snap(b.x), y: b.y)]
                        : [CGPoint(x: a.x, y: snap(a.y)), CGPoint(x: b.x, y: snap(b.y))], color, dash: dash)
    }

    func circle(_ center: CGPoint, radius: Double, _ color: Color) {
        set(color)
        cairo_new_sub_path(context)
        cairo_arc(context, center.x, center.y, radius, 0, 2 * Double.pi)
        cairo_fill(context)
    }

    private func font(size: Double, bold: Bool) {
        cairo_select_font_face(context, "sans-serif", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }

    /// The width `text` takes.
    func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        font(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// Draws `text` at `point`, aligned there horizontally by `align` and
    /// vertically by `baseline` (the font's ascent and descent, so lines of
    /// different text line up); `rotated` turns it a quarter anticlockwise
    /// (reading upwards) about `point`.
    func text(_ text: String, at point: CGPoint, size: Double, bold: Bool = false, color: Color = .text,
              align: Align = .left, baseline: Baseline = .bottom, rotated: Bool = false) {
        font(size: size, bold: bold)
        var extents = cairo_text_extents_t(), fontExtents = cairo_font_extents_t()
        cairo_text_extents(context, text, &extents)
        cairo_font_extents(context, &fontExtents)
        let dx: Double = switch align {
        case .left: 0
        case .center: -extents.x_advance / 2
        case .right: -extents.x_advance
        }
        let dy: Double = switch baseline {
        case .top: fontExtents.ascent
        case .middle: (fontExtents.ascent - fontExtents.descent) / 2
        case .bottom: -fontExtents.descent
        }
        set(color)
        cairo_save(context)
        cairo_translate(context, point.x, point.y)
        if rotated { cairo_rotate(context, -Double.pi / 2) }
        cairo_move_to(context, dx, dy)
        cairo_show_text(context, text)
        cairo_restore(context)
    }

    /// `pixels` (rows top first of `columns` 0xFFRRGGBB values) with its top left at `origin`, one to one.
    func raster(_ pixels: [UInt32], columns: Int, at origin: CGPoint) {
        let rows = pixels.count / columns
        guard rows > 0, let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(columns), Int32(rows)) else { return }
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        guard let data = cairo_image_surface_get_data(image) else { return }
        let stride = Int(cairo_image_surface_get_stride(image))
        pixels.withUnsafeBufferPointer { source in
            for r in 0..<rows {
                let row = UnsafeMutableRawPointer(data + r * stride).assumingMemoryBound(to: UInt32.self)
                row.update(from: source.baseAddress! + r * columns, count: columns)
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_set_source_surface(context, image, origin.x.rounded(), origin.y.rounded())
        cairo_rectangle(context, origin.x.rounded(), origin.y.rounded(), Double(columns), Double(rows))
        cairo_fill(context)
    }

    /// Draws only inside `rect` during `body`.
    func clipped(to rect: CGRect, _ body: () -> Void) {
        cairo_save(context)
        cairo_rectangle(context, rect.minX, rect.minY, rect.width, rect.height)
        cairo_clip(context)
        body()
        cairo_restore(context)
    }

    /// The image as a PNG file's bytes.
    func png() throws -> Data {
        final class Sink { var data = Data() }
        let sink = Sink()
        cairo_surface_flush(surface)
        let status = cairo_surface_write_to_png_stream(surface, { closure, bytes, length in
            let sink = Unmanaged<Sink>.fromOpaque(closure!).takeUnretainedValue()
            if let bytes { sink.data.append(bytes, count: Int(length)) }
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else { throw ReportError("cairo could not encode the PNG: \(String(cString: cairo_status_to_string(status)))") }
        if let problem = drawingProblem { throw ReportError(problem) }
        return sink.data
    }

    /// What went wrong while drawing (cairo's context keeps its first error), or nil.
    var drawingProblem: String? {
        let status = cairo_status(context)
        return status == CAIRO_STATUS_SUCCESS ? nil : "cairo: \(String(cString: cairo_status_to_string(status)))"
    }
}
