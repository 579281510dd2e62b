import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import LoadGenerator

final class SVGChartTests: XCTestCase {
    /// Parses an SVG with Foundation's XML parser, collecting elements, attributes and text.
    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var texts: [String] = []
        private var current = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append((name, attributes))
            current = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(current) }
            current = ""
        }
    }

    private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> Collector {
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))", file: file, line: line)
        return collector
    }

    private var sampleChart: LineChart {
        LineChart(title: "TTFT <p99> & \"friends\" 'quoted'", xLabel: "clients", yLabel: "ms",
                  xAxis: .logarithmicAt([1, 4, 16, 64]), yAxis: .logarithmic,
                  series: [.init(name: "llama-server p50", points: [.init(x: 1, y: 3.1), .init(x: 4, y: 7), .init(x: 16, y: 24),
                                                                    .init(x: 64, y: 160)], color: "#1f77b4"),
                           .init(name: "distillery p99 <new>", points: [.init(x: 1, y: 0), .init(x: 64, y: 612)],
                                 color: "#d95f02", dashed: true)],
                  note: "ctrl\u{1}char & more")
    }

    func testAChartIsWellFormedSVGWithEscapedText() {
        let svg = sampleChart.render()
        let parsed = parse(svg)
        XCTAssertEqual(parsed.elements.first?.name, "svg")
        XCTAssertEqual(parsed.elements.first?.attributes["xmlns"], "http://www.w3.org/2000/svg")
        XCTAssertEqual(parsed.elements.filter { $0.name == "polyline" }.count, 2)
        XCTAssertTrue(parsed.texts.contains("TTFT <p99> & \"friends\" 'quoted'"), "\(parsed.texts)")
        XCTAssertTrue(parsed.texts.contains("distillery p99 <new>"))
        XCTAssertTrue(parsed.texts.contains("ctrl\u{FFFD}char & more"))
        XCTAssertFalse(svg.contains("nan") || svg.contains("inf"), "every coordinate is a finite number")
        XCTAssertEqual(parsed.elements.filter { $0.name == "polyline" }.last?.attributes["stroke-dasharray"], "6 4")
    }

    func testEscapingCoversEveryMarkupCharacter() {
        XCTAssertEqual(SVGDocument.escape(#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;")
        XCTAssertEqual(SVGDocument.escape("tab\there\u{0}é😀"), "tab\there\u{FFFD}é😀")
        XCTAssertEqual(SVGDocument.number(1.005), "1")
        XCTAssertEqual(SVGDocument.number(-0.001), "0")
        XCTAssertEqual(SVGDocument.number(12.5), "12.5")
        XCTAssertEqual(SVGDocument.number(.nan), "0")
    }

    func testEveryPointLiesInsideThePlotArea() {
        let chart = sampleChart
        let parsed = parse(chart.render())
        for polyline in parsed.elements where polyline.name == "polyline" {
            let pairs = polyline.attributes["points"]!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            XCTAssertFalse(pairs.isEmpty)
            for pair in pairs {
                XCTAssertTrue((chart.plotLeft - 0.01 ... chart.plotRight + 0.01).contains(pair[0]), "\(pair)")
                XCTAssertTrue((chart.plotTop - 0.01 ... chart.plotBottom + 0.01).contains(pair[1]), "\(pair)")
            }
        }
        let (x, y) = chart.scales()
        XCTAssertEqual(x.position(1), chart.plotLeft, accuracy: 1e-9)
        XCTAssertEqual(x.position(64), chart.plotRight, accuracy: 1e-9)
        XCTAssertEqual(x.ticks, [1, 4, 16, 64])
        XCTAssertEqual(y.lower, 1, "3.1 ms rounds down to the decade; the 0 ms point sits at the edge")
        XCTAssertEqual(y.upper, 1000)
        XCTAssertEqual(y.position(0), chart.plotBottom, accuracy: 1e-9)
    }

    func testLinearAxesCoverTheDataWithNiceTicks() {
        for values in [[3.2, 47.9], [0.013, 0.0171], [-5, 5], [1234, 98_765], [7, 7]] {
            let scale = Scale.linear(covering: values)
            XCTAssertLessThanOrEqual(scale.lower, values.min()!, "\(values)")
            XCTAssertGreaterThanOrEqual(scale.upper, values.max()!, "\(values)")
            XCTAssertLessThan(scale.lower, scale.upper)
            XCTAssertEqual(scale.ticks.first!, scale.lower, accuracy: 1e-9)
            XCTAssertEqual(scale.ticks.last!, scale.upper, accuracy: 1e-9 * max(1, abs(scale.upper)))
            XCTAssertTrue((3 ... 11).contains(scale.ticks.count), "\(values): \(scale.ticks)")
            let step = scale.ticks[1] - scale.ticks[0]
            let mantissa = step / pow(10, log10(step).rounded(.down))
            XCTAssertTrue([1, 2, 5, 10].contains { abs($0 - mantissa) < 1e-6 }, "\(values): step \(step)")
        }
        XCTAssertEqual(Scale.linear(covering: [3, 47], includingZero: true).lower, 0)
        XCTAssertEqual(Scale.linear(covering: []).ticks, [0, 0.5, 1])
    }

    func testLogarithmicAxesSnapToDecades() {
        let scale = Scale.logarithmic(covering: [0.8, 450, 0, -3])
        XCTAssertEqual(scale.lower, 0.1, accuracy: 1e-12)
        XCTAssertEqual(scale.upper, 1000, accuracy: 1e-9)
        XCTAssertEqual(scale.ticks.count, 5, "four decades get one tick each: \(scale.ticks)")
        let narrow = Scale.logarithmic(covering: [3, 40])
        XCTAssertEqual(narrow.ticks.map { Scale.label($0) }, ["1", "2", "5", "10", "20", "50", "100"])
        XCTAssertEqual(Scale.label(0.25), "0.25")
        XCTAssertEqual(Scale.label(0.3000000000000004), "0.3")
    }

    func testTheBenchmarkChartsComeFromAResultsFile() throws {
        let json = """
            {"date": "2026-11-24", "serving": {
              "concurrency_sweep": [
                {"server": "llama-server", "concurrency": 1, "ttft_ms": {"p50": 2, "p90": 3, "p99": 4},
                 "itl_ms": {"p50": 0.4, "p99": 1}, "tokens_per_second": 900, "extra": true},
                {"server": "llama-server", "concurrency": 16, "ttft_ms": {"p50": 20, "p99": 40},
                 "itl_ms": {"p50": 4, "p99": 30}, "tokens_per_second": 2000},
                {"server": "distillery", "concurrency": 16, "ttft_ms": {"p50": 30, "p99": 60},
                 "itl_ms": {"p50": 3, "p99": 9}, "tokens_per_second": 2500}],
              "cdf": {"concurrency": 16, "levels": [0, 0.5, 1],
                      "servers": [{"server": "llama-server", "ttft_ms": [10, 20, 40], "itl_ms": [0, 4, 30]},
                                  {"server": "distillery", "ttft_ms": [15, 30, 60], "itl_ms": [1, 3, 9]}]}}}
            """
        let input = try ChartInput.decode(Data(json.utf8), path: "r.json")
        let charts = BenchmarkCharts.charts(for: input)
        XCTAssertEqual(charts.map(\.name), ["ttft-vs-concurrency.svg", "itl-vs-concurrency.svg", "throughput-vs-concurrency.svg",
                                            "ttft-cdf-c16.svg", "itl-cdf-c16.svg"])
        let ttft = parse(charts[0].chart.render())
        XCTAssertEqual(ttft.elements.filter { $0.name == "polyline" }.count, 4, "p50 and p99 for each server")
        XCTAssertTrue(ttft.texts.contains("distillery p99"))
        XCTAssertEqual(charts[0].chart.scales().x.ticks, [1, 16])
        XCTAssertEqual(charts[2].chart.scales().y.lower, 0, "throughput starts at zero")
        for (_, chart) in charts { _ = parse(chart.render()) }
        XCTAssertThrowsError(try ChartInput.decode(Data(#"{"serving": {}}"#.utf8), path: "r.json")) {
            XCTAssertEqual("\($0)", "r.json: missing 'serving.concurrency_sweep'")
        }
    }
}
