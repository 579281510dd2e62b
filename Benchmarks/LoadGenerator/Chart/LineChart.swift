/// A line chart with axes, grid, title and legend, rendered through `SVGDocument`.
struct LineChart {
    enum Axis: Equatable {
        case linear(includingZero: Bool)
        case logarithmic
        /// Logarithmic with ticks exactly at these values (e.g. the concurrencies measured).
        case logarithmicAt([Double])
    }

    struct Series {
        var name: String
        var points: [SVGDocument.Point]
        var color: String
        var dashed = false
        var markers = true
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xAxis: Axis
    var yAxis: Axis
    var series: [Series]
    var note: String?
    var width = 780.0
    var height = 460.0

    /// The plotting area, inside the margins that hold labels and the legend.
    var plotLeft: Double { 78 }
    var plotRight: Double { width - 200 }
    var plotTop: Double { 50 }
    var plotBottom: Double { height - 62 }

    func scales() -> (x: Scale, y: Scale) {
        let points = series.flatMap(\.points)
        var x = Self.scale(xAxis, points.map(\.x))
        var y = Self.scale(yAxis, points.map(\.y))
        (x.rangeStart, x.rangeEnd) = (plotLeft, plotRight)
        (y.rangeStart, y.rangeEnd) = (plotBottom, plotTop)
        return (x, y)
    }

    func render() -> String {
        var svg = SVGDocument(width: width, height: height)
        let (x, y) = scales()
        svg.rect(x: 0, y: 0, width: width, height: height, fill: "#fff")
        svg.text(title, at: .init(x: width / 2 - 60, y: 28), size: 16, anchor: .middle, bold: true)
        drawGrid(&svg, x: x, y: y)
        for line in series where !line.points.isEmpty {
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }
                .map { SVGDocument.Point(x: x.position($0.x), y: y.position($0.y)) }
            svg.polyline(points, stroke: line.color, width: 2, dash: line.dashed ? "6 4" : nil)
            if line.markers { for point in points { svg.circle(center: point, radius: 3, fill: line.color) } }
        }
        drawLegend(&svg)
        if series.allSatisfy({ $0.points.isEmpty }) {
            svg.text("no data", at: .init(x: (plotLeft + plotRight) / 2, y: (plotTop + plotBottom) / 2),
                     size: 14, anchor: .middle, fill: "#888")
        }
        if let note { svg.text(note, at: .init(x: plotLeft, y: height - 8), size: 10, fill: "#666") }
        return svg.render()
    }

    private func drawGrid(_ svg: inout SVGDocument, x: Scale, y: Scale) {
        for tick in x.ticks where tick >= x.lower * (1 - 1e-9) && tick <= x.upper * (1 + 1e-9) {
            let position = x.position(tick)
            svg.line(from: .init(x: position, y: plotTop), to: .init(x: position, y: plotBottom), stroke: "#e4e4e4")
            svg.text(Scale.label(tick), at: .init(x: position, y: plotBottom + 16), size: 11, anchor: .middle)
        }
        for tick in y.ticks where tick >= y.lower - abs(y.lower) * 1e-9 && tick <= y.upper + abs(y.upper) * 1e-9 {
            let position = y.position(tick)
            svg.line(from: .init(x: plotLeft, y: position), to: .init(x: plotRight, y: position), stroke: "#e4e4e4")
            svg.text(Scale.label(tick), at: .init(x: plotLeft - 6, y: position + 4), size: 11, anchor: .end)
        }
        svg.line(from: .init(x: plotLeft, y: plotBottom), to: .init(x: plotRight, y: plotBottom), stroke: "#444")
        svg.line(from: .init(x: plotLeft, y: plotTop), to: .init(x: plotLeft, y: plotBottom), stroke: "#444")
        svg.text(xLabel, at: .init(x: (plotLeft + plotRight) / 2, y: plotBottom + 38), size: 12, anchor: .middle)
        let middle = (plotTop + plotBottom) / 2
        svg.text(yLabel, at: .init(x: 20, y: middle), size: 12, anchor: .middle, rotation: -90)
    }

    private func drawLegend(_ svg: inout SVGDocument) {
        for (index, line) in series.enumerated() {
            let top = plotTop + 8 + Double(index) * 20
            let left = plotRight + 16
            svg.line(from: .init(x: left, y: top), to: .init(x: left + 26, y: top), stroke: line.color, width: 2,
                     dash: line.dashed ? "6 4" : nil)
            svg.text(line.name, at: .init(x: left + 32, y: top + 4), size: 11)
        }
    }

    private static func scale(_ axis: Axis, _ values: [Double]) -> Scale {
        switch axis {
        case .linear(let includingZero): Scale.linear(covering: values, includingZero: includingZero)
        case .logarithmic: Scale.logarithmic(covering: values)
        case .logarithmicAt(let ticks): Scale.logarithmic(ticks: ticks, covering: values)
        }
    }
}
