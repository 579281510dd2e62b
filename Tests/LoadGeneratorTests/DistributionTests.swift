import XCTest
@testable import LoadGenerator

final class DistributionTests: XCTestCase {
    func testPercentilesInterpolateBetweenRanks() {
        let distribution = Distribution((1 ... 101).map(Double.init).shuffled())
        XCTAssertEqual(distribution.count, 101)
        XCTAssertEqual(distribution.p50, 51)
        XCTAssertEqual(distribution.p90, 91)
        XCTAssertEqual(distribution.p99, 100)
        XCTAssertEqual(distribution.max, 101)
        XCTAssertEqual(distribution.min, 1)
        XCTAssertEqual(distribution.mean, 51)
        XCTAssertEqual(Distribution.percentile([1, 2], 0.5), 1.5)
        XCTAssertEqual(Distribution.percentile([10, 20, 30, 40], 0.99), 39.7, accuracy: 1e-9)
    }

    func testEmptyAndSingleValues() {
        XCTAssertEqual(Distribution([]), Distribution([0]).with(count: 0))
        let one = Distribution([4.25])
        XCTAssertEqual([one.p50, one.p99, one.max, one.min], [4.25, 4.25, 4.25, 4.25])
    }

    func testTheCDFIsAscendingAndSpansTheValues() {
        let values = (0 ..< 1000).map { Double($0 % 97) * 0.5 }
        let cdf = Distribution.cdf(values)
        XCTAssertEqual(cdf.count, Distribution.cdfLevels.count)
        XCTAssertEqual(cdf.first, 0)
        XCTAssertEqual(cdf.last, 48)
        XCTAssertEqual(cdf, cdf.sorted())
        XCTAssertEqual(Distribution.cdfLevels, Distribution.cdfLevels.sorted())
        XCTAssertTrue(Distribution.cdf([]).isEmpty)
    }

    func testAReportCountsOnlySuccessfulRequestsInLatenciesAndThroughput() {
        var ok = RequestSample(index: 0, client: 0, promptIndex: 0, startMs: 0, status: 200, ttftMs: 10, e2eMs: 40,
                               itlMs: [10, 20], textChunks: 3, usageTokens: 4)
        var failed = RequestSample(index: 1, client: 1, promptIndex: 0, startMs: 0, status: 500)
        failed.failure = RequestFailure(kind: .httpStatus, detail: "HTTP 500")
        var cut = ok
        cut.index = 2
        cut.usageTokens = nil
        cut.failure = RequestFailure(kind: .truncated, detail: "closed")
        ok.index = 0
        let configuration = LoadReport.Configuration(url: "u", mode: "closed", concurrency: 2, durationSeconds: 1, maxTokens: 4,
                                                     temperature: 0, ignoreEos: true, seed: 1, prompts: "p", promptCount: 1,
                                                     warmupRequests: 0)
        let report = LoadReport(configuration: configuration, samples: [ok, failed, cut], wallSeconds: 2, resources: nil)
        XCTAssertEqual(report.requests.total, 3)
        XCTAssertEqual(report.requests.succeeded, 1)
        XCTAssertEqual(report.requests.failures, ["http_status": 1, "truncated": 1])
        XCTAssertEqual(report.throughput.tokens, 4, "the server's usage count wins over the chunks seen")
        XCTAssertEqual(report.throughput.tokensPerSecond, 2)
        XCTAssertEqual(report.throughput.requestsPerSecond, 0.5)
        XCTAssertEqual(report.itlMs.count, 2)
        XCTAssertEqual(report.tpotMs.p50, 10, "(40 - 10) / (4 - 1)")
        XCTAssertTrue(report.text.contains("1 ok, 2 failed (http_status 1, truncated 1)"), report.text)
    }
}

private extension Distribution {
    func with(count: Int) -> Distribution {
        var copy = self
        copy.count = count
        return copy
    }
}
