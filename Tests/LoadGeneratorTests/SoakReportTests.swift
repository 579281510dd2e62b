import XCTest
@testable import LoadGenerator

final class SoakReportTests: XCTestCase {
    private func window(_ index: Int, rss: Double?, fds: Int?, failedStreams: Int = 0,
                        side: SideTraffic.Tally = SideTraffic.Tally()) -> SoakWindow {
        var samples = (0..<4).map { RequestSample(index: $0, promptIndex: 0, startMs: 0, ttftMs: 5, e2eMs: 20, itlMs: [1, 2]) }
        for index in 0..<failedStreams {
            samples[index].failure = RequestFailure(kind: .httpStatus, detail: "HTTP 429: queue full")
        }
        return SoakWindow(index: index, endSeconds: Double(index + 1) * 60, streaming: samples, side: side,
                          rssMb: rss, anonymousHugePagesMb: 4, openFds: fds,
                          metrics: ["distillery:jemalloc_allocated_bytes": 10 * 1_048_576,
                                    "distillery:mapped_array_bytes": 48 * 1_048_576])
    }

    private func configuration(warmup: Int) -> SoakReport.Configuration {
        .init(url: "http://127.0.0.1:1", durationSeconds: 600, windowSeconds: 60, concurrency: 2, ratePerSecond: nil,
              maxTokens: 16, reloadEverySeconds: 30, reloadModels: ["m.gguf"], warmupWindows: warmup, prompts: "p.txt")
    }

    func testGrowthComparesTheMediansOfTheFirstAndLastWindowsAfterTheWarmUp() throws {
        // warm-up 200, then six windows: first third (span 2) median 100, last third median 101.5
        let growth = try XCTUnwrap(SoakReport.Growth([200, 90, 110, 120, 80, 101, 102], warmupWindows: 1))
        XCTAssertEqual(growth.span, 2)
        XCTAssertEqual(growth.baseline, 100)
        XCTAssertEqual(growth.final, 101.5)
        XCTAssertEqual(growth.min, 80)
        XCTAssertEqual(growth.max, 120)
        XCTAssertEqual(growth.fraction, 0.015, accuracy: 1e-12)
        XCTAssertNil(SoakReport.Growth([100, nil, 100], warmupWindows: 1), "a window without a measurement")
        XCTAssertNil(SoakReport.Growth([100], warmupWindows: 1), "nothing after the warm-up")
    }

    func testAFlatSoakPassesAndEveryKindOfProblemFailsIt() {
        let flat = (0..<8).map { window($0, rss: $0 == 0 ? 50 : 60, fds: 16) }
        let passed = SoakReport(configuration: configuration(warmup: 2), windows: flat)
        XCTAssertTrue(passed.passed, passed.verdict)
        XCTAssertEqual(passed.verdict, "PASS")
        XCTAssertEqual(passed.validRequests, 8 * 4)

        var leaking = flat
        for index in 5..<8 { leaking[index] = window(index, rss: 66, fds: 16) }
        XCTAssertEqual(SoakReport(configuration: configuration(warmup: 2), windows: leaking).verdict,
                       "FAIL: RSS grew 10.0% after the warm-up")

        var fds = flat
        for index in 5..<8 { fds[index] = window(index, rss: 60, fds: 17) }
        XCTAssertEqual(SoakReport(configuration: configuration(warmup: 2), windows: fds).verdict,
                       "FAIL: open descriptors grew 6.3% after the warm-up")

        var failing = flat
        var side = SideTraffic.Tally()
        side.actions = [SideAction.nonStreaming.rawValue: 3, SideAction.oversizedBody.rawValue: 2]
        side.failures = ["non_streaming: HTTP 503"]
        side.unexpected = ["oversized_body: HTTP 400"]
        failing[3] = window(3, rss: 60, fds: 16, failedStreams: 2, side: side)
        let failed = SoakReport(configuration: configuration(warmup: 2), windows: failing)
        XCTAssertEqual(failed.failedValid, 3)
        XCTAssertEqual(failed.unexpected, 1)
        XCTAssertEqual(failed.invalidRequests, 2)
        XCTAssertEqual(failed.verdict, "FAIL: 3 valid requests failed; 1 invalid requests got an unexpected answer")
        XCTAssertTrue(failed.markdown.contains("`stream #0: http_status: HTTP 429: queue full`"), failed.markdown)
        XCTAssertTrue(failed.markdown.contains("| 4.0 | 10.0 + 48.0 |"), "huge pages, heap + mapped arrays: \(failed.markdown)")

        let unmeasured = SoakReport(configuration: configuration(warmup: 2), windows: flat.map { var w = $0; w.openFds = nil; return w })
        XCTAssertEqual(unmeasured.verdict, "FAIL: open descriptors not measured after the warm-up")
    }

    func testSideActionsSendWhatTheyClaim() {
        let body = Array(#"{"prompt":"x","max_tokens":4}"#.utf8)
        func text(_ action: SideAction) -> String {
            String(decoding: action.request(host: "127.0.0.1:9", path: "/v1/completions", validBody: body), as: UTF8.self)
        }
        XCTAssertTrue(text(.nonStreaming).hasSuffix("Content-Length: \(body.count)\r\nConnection: close\r\n\r\n" + String(decoding: body, as: UTF8.self)))
        let midPrompt = text(.disconnectMidPrompt).components(separatedBy: "\r\n\r\n")
        XCTAssertTrue(midPrompt[0].contains("Content-Length: \(body.count)"))
        XCTAssertEqual(midPrompt[1].utf8.count, body.count / 2, "half the declared body")
        XCTAssertTrue(text(.oversizedBody).contains("Content-Length: \(64 * 1024 * 1024)\r\n"))
        XCTAssertGreaterThan(text(.oversizedHead).utf8.count, 16 * 1024)
        XCTAssertEqual(SideAction.oversizedHead.expectedStatus, 431)
        XCTAssertNil(SideAction.disconnectMidStream.expectedStatus)
        // every other step is a valid completion, and every invalid kind comes up once per cycle
        XCTAssertEqual(SideAction.cycle.count, 2 * (SideAction.allCases.count - 1))
        XCTAssertEqual(Set(SideAction.cycle), Set(SideAction.allCases))
        XCTAssertTrue(stride(from: 0, to: SideAction.cycle.count, by: 2).allSatisfy { SideAction.cycle[$0] == .nonStreaming })
    }

    func testMetricsScrapeReadsUnlabelledSamplesOnly() {
        let text = """
            # HELP distillery:num_requests_waiting Sequences queued.
            # TYPE distillery:num_requests_waiting gauge
            distillery:num_requests_waiting 3
            distillery:http_requests_total{status="200"} 41
            distillery:jemalloc_allocated_bytes 1.5e+07
            """
        XCTAssertEqual(ServerMetricsScrape.parse(text), ["distillery:num_requests_waiting": 3,
                                                         "distillery:jemalloc_allocated_bytes": 1.5e7])
    }

    func testTheGrowthChartDrawsEachLineRelativeToItsBaselineWithThePassLimit() {
        let windows = (0..<6).map { window($0, rss: $0 < 3 ? 50 : 55, fds: 16) }
        let report = SoakReport(configuration: configuration(warmup: 1), windows: windows)
        let chart = SoakCharts.growthChart(report)
        let rss = chart.series.first { $0.name == "RSS" }
        // after the warm-up: [50, 50, 55, 55, 55], span 1, baseline 50, so the last point is 110%
        XCTAssertEqual(rss?.points.last?.y ?? 0, 110, accuracy: 1e-9)
        XCTAssertEqual(chart.series.first { $0.name == "open fds" }?.points.map(\.y), Array(repeating: 100, count: 6))
        XCTAssertEqual(chart.series.last?.points.map(\.y), [105, 105], "the +5% limit")
        XCTAssertEqual(SoakCharts.charts(for: report).map(\.name), ["soak-growth.svg", "soak-latency.svg", "soak-queue.svg"])
    }
}
