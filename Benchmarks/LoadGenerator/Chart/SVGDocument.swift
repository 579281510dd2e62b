import Foundation

/// A minimal SVG writer: shapes and text appended in drawing order, every string escaped for XML, every
/// number written with at most two decimals so the files stay small and diff cleanly.
struct SVGDocument {
    struct Point: Equatable {
        var x: Double
        var y: Double
    }

    enum TextAnchor: String {
        case start, middle, end
    }

    let width: Double
    let height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        var element = "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" "
            + "height=\"\(Self.number(height))\" fill=\"\(Self.escape(fill))\""
        if let stroke { element += " stroke=\"\(Self.escape(stroke))\"" }
        elements.append(element + "/>")
    }

    mutating func line(from start: Point, to end: Point, stroke: String, width: Double = 1, dash: String? = nil) {
        elements.append("<line x1=\"\(Self.number(start.x))\" y1=\"\(Self.number(start.y))\" x2=\"\(Self.number(end.x))\" "
            + "y2=\"\(Self.number(end.y))\"" + Self.strokeAttributes(stroke, width, dash) + "/>")
    }

    mutating func polyline(_ points: [Point], stroke: String, width: Double = 2, dash: String? = nil) {
        let coordinates = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        elements.append("<polyline points=\"\(coordinates)\" fill=\"none\"" + Self.strokeAttributes(stroke, width, dash) + "/>")
    }

    mutating func circle(center: Point, radius: Double, fill: String) {
        elements.append("<circle cx=\"\(Self.number(center.x))\" cy=\"\(Self.number(center.y))\" r=\"\(Self.number(radius))\" "
            + "fill=\"\(Self.escape(fill))\"/>")
    }

    mutating func text(_ string: String, at point: Point, size: Double = 12, anchor: TextAnchor = .start,
                       rotation: Double? = nil, bold: Bool = false, fill: String = "#222") {
        var element = "<text x=\"\(Self.number(point.x))\" y=\"\(Self.number(point.y))\" font-size=\"\(Self.number(size))\" "
            + "text-anchor=\"\(anchor.rawValue)\" fill=\"\(Self.escape(fill))\""
        if bold { element += " font-weight=\"bold\"" }
        if let rotation {
            element += " transform=\"rotate(\(Self.number(rotation)) \(Self.number(point.x)) \(Self.number(point.y)))\""
        }
        elements.append(element + ">\(Self.escape(string))</text>")
    }

    func render() -> String {
        let open = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
            + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"Helvetica, Arial, sans-serif\">"
        return (["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", open] + elements.map { "  " + $0 } + ["</svg>", ""])
            .joined(separator: "\n")
    }

    /// Text safe inside an element or a double- or single-quoted attribute. Characters XML 1.0 forbids
    /// (most C0 controls) become U+FFFD rather than making the file unreadable.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// At most two decimals, no trailing zeros, never "-0", and 0 for anything not finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    private static func strokeAttributes(_ stroke: String, _ width: Double, _ dash: String?) -> String {
        " stroke=\"\(escape(stroke))\" stroke-width=\"\(number(width))\"" + (dash.map { " stroke-dasharray=\"\(escape($0))\"" } ?? "")
    }
}
