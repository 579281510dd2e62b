import XCTest
@testable import LoadGenerator

/// The whole client against real sockets on 127.0.0.1, with a fake server whose timing is known.
final class LoadRunnerTests: XCTestCase {
    private func run(_ server: FakeCompletionServer, _ arrivals: LoadPlan.Arrivals, requests: Int?, duration: Double = 30,
                     timeout: Double = 10, prompts: [String] = ["a", "b", "c"]) throws -> LoadRunner.Result {
        let builder = CompletionRequestBuilder(address: try ServerAddress(url: server.url), model: nil, maxTokens: 8,
                                               temperature: 0, ignoreEOS: true)
        let plan = LoadPlan(arrivals: arrivals, maxRequests: requests, duration: duration, requestTimeout: timeout, seed: 5)
        return LoadRunner(address: builder.address, requests: try prompts.map { try builder.request(prompt: $0) }, plan: plan).run()
    }

    func testAClosedLoopTimesEveryTokenAndKeepsItsConcurrency() throws {
        let server = try FakeCompletionServer(.stream(chunks: 5, gapMs: 20))
        defer { server.stop() }
        let result = try run(server, .closedLoop(concurrency: 3), requests: 9)
        XCTAssertEqual(result.samples.count, 9)
        XCTAssertEqual(server.requestCount, 9)
        // The server may see a client's next connection before its own thread has closed the last one, so
        // concurrency is checked on the client side: three clients, each one request at a time.
        XCTAssertGreaterThanOrEqual(server.maxConcurrentConnections, 3)
        for client in 0 ..< 3 {
            let intervals = result.samples.filter { $0.client == client }.map { ($0.startMs, $0.startMs + ($0.e2eMs ?? 0)) }
            XCTAssertEqual(intervals.count, 3)
            for (earlier, later) in zip(intervals, intervals.dropFirst()) { XCTAssertGreaterThanOrEqual(later.0, earlier.1) }
        }
        for sample in result.samples {
            XCTAssertNil(sample.failure, "\(sample)")
            XCTAssertEqual(sample.status, 200)
            XCTAssertEqual(sample.textChunks, 5)
            XCTAssertEqual(sample.usageTokens, 5)
            XCTAssertEqual(sample.itlMs.count, 4)
            // The server sleeps 20 ms between chunks. One late read shortens the next gap, so the gaps are
            // checked together (up to one scheduling delay on a busy machine) and each only for sanity.
            for gap in sample.itlMs { XCTAssertGreaterThan(gap, 0); XCTAssertLessThan(gap, 500) }
            XCTAssertGreaterThanOrEqual(sample.itlMs.reduce(0, +), 4 * 20 - 10)
            let ttft = try XCTUnwrap(sample.ttftMs), e2e = try XCTUnwrap(sample.e2eMs)
            XCTAssertGreaterThanOrEqual(e2e, ttft + sample.itlMs.reduce(0, +) - 0.01)
        }
        // Three rounds of about 80 ms each, one after the other.
        let wall = Double(result.endNs - result.startNs) / 1e6
        XCTAssertGreaterThanOrEqual(wall, 3 * 80 - 1)
        XCTAssertEqual(Set(result.samples.compactMap(\.client)), [0, 1, 2])
        XCTAssertEqual(server.bodies.filter { $0.contains("\"stream\":true") }.count, 9)
    }

    func testCloseDelimitedStreamsWork() throws {
        let server = try FakeCompletionServer(.stream(chunks: 3, gapMs: 1, chunkedEncoding: false))
        defer { server.stop() }
        let result = try run(server, .closedLoop(concurrency: 2), requests: 4)
        XCTAssertEqual(result.samples.filter(\.succeeded).count, 4, "\(result.samples.compactMap(\.failure))")
        XCTAssertEqual(result.samples.map(\.tokens), [3, 3, 3, 3])
    }

    func testAnOpenLoopSendsPoissonArrivalsRegardlessOfResponses() throws {
        let server = try FakeCompletionServer(.stream(chunks: 2, gapMs: 300))
        defer { server.stop() }
        let result = try run(server, .openLoop(ratePerSecond: 40), requests: nil, duration: 1)
        // 40 per second for one second: Poisson, so 40 give or take 3 standard deviations (about 19).
        XCTAssertGreaterThan(result.samples.count, 20)
        XCTAssertLessThan(result.samples.count, 60)
        XCTAssertTrue(result.samples.allSatisfy { $0.succeeded && $0.client == nil })
        // Responses take 300 ms but arrivals did not wait for them: many were in flight at once.
        XCTAssertGreaterThan(server.maxConcurrentConnections, 5)
        let starts = result.samples.map(\.startMs)
        XCTAssertEqual(starts, starts.sorted())
        XCTAssertLessThan(starts.last!, 1000)
        let again = try run(server, .openLoop(ratePerSecond: 40), requests: nil, duration: 1)
        XCTAssertEqual(again.samples.map(\.startMs), starts, "the schedule repeats for a seed")
        XCTAssertEqual(again.samples.map(\.promptIndex), result.samples.map(\.promptIndex))
    }

    func testFailuresAreClassified() throws {
        let cases: [(FakeCompletionServer.Behavior, RequestFailure.Kind, Int)] = [
            (.status(503), .httpStatus, 0),
            (.cutAfter(chunks: 2), .truncated, 2),
            (.errorAfter(chunks: 1), .streamError, 1),
            (.stall(seconds: 1), .timeout, 0),
        ]
        for (behavior, kind, chunks) in cases {
            let server = try FakeCompletionServer(behavior)
            defer { server.stop() }
            let result = try run(server, .closedLoop(concurrency: 2), requests: 2, timeout: 0.3)
            XCTAssertEqual(result.samples.map(\.failure?.kind), [kind, kind], "\(behavior)")
            XCTAssertEqual(result.samples.map(\.textChunks), [chunks, chunks], "\(behavior)")
        }
        let refused = try FakeCompletionServer(.status(200))
        refused.stop()
        let result = try run(refused, .closedLoop(concurrency: 1), requests: 3)
        XCTAssertEqual(result.samples.map(\.failure?.kind), [.connect, .connect, .connect])
        XCTAssertThrowsError(try ServerProbe.waitUntilListening(ServerAddress(url: refused.url), timeoutSeconds: 0.2))
    }

    func testARunStopsIssuingAtItsDuration() throws {
        let server = try FakeCompletionServer(.stream(chunks: 2, gapMs: 50))
        defer { server.stop() }
        let started = Date()
        let result = try run(server, .closedLoop(concurrency: 2), requests: nil, duration: 0.3)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertGreaterThanOrEqual(result.samples.count, 4)
        XCTAssertLessThanOrEqual(result.samples.count, 2 * 300 / 50 + 2, "two clients, 50 ms requests, 300 ms")
        XCTAssertTrue(result.samples.allSatisfy { $0.startMs < 300 })
    }
}
