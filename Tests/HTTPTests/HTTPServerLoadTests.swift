import TestHTTPClient
import Dispatch
import Glibc
import XCTest

@testable import HTTP

/// Many round trips and many concurrent streams: everything arrives, in order. The numbers printed are for
/// reading, not asserted (speed is proven by Benchmarks/, not by timed tests).
final class HTTPServerLoadTests: XCTestCase {
    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    func testSequentialKeepAliveRequests() throws {
        try withServer(handler: echoHandler) { server in
            let client = try TestHTTPClient(port: server.port, timeout: .seconds(3))
            let count = 2_000
            let start = Self.monotonicNanoseconds()
            for _ in 0..<count {
                try client.send("POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
                XCTAssertEqual(try client.readResponse().body.count, 5)
            }
            let seconds = Double(Self.monotonicNanoseconds() - start) / 1e9
            print("keep-alive round trips: \(Int(Double(count) / seconds)) req/s, \(seconds / Double(count) * 1e6) us each")
        }
    }

    /// 16 streams fed by 16 producer threads, as the engine would feed them; measures the time from
    /// `write` on the producer to the client reading the event.
    func testConcurrentStreamsDeliveryLatency() throws {
        let streams = 16
        let events = 200
        let handler: HTTPHandler = { _, responder in
            Thread.detachNewThread {
                let writer = SSEWriter(responder: responder)
                writer.start()
                for _ in 0..<events {
                    usleep(2_000)
                    writer.send(data: String(Self.monotonicNanoseconds()))
                }
                writer.finish()
            }
        }
        try withServer(handler: handler) { server in
            let latencies = Recorder<[UInt64]>()
            let done = DispatchGroup()
            for _ in 0..<streams {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    guard let client = try? TestHTTPClient(port: server.port, timeout: .seconds(3)) else { return }
                    try? client.send("GET /stream HTTP/1.1\r\n\r\n")
                    _ = try? client.readHead()
                    var mine: [UInt64] = []
                    var pending = ""
                    while let chunk = try? client.readChunk() {
                        let received = Self.monotonicNanoseconds()
                        pending += String(decoding: chunk, as: UTF8.self)
                        while let end = pending.firstRange(of: "\n\n") {
                            let sent = UInt64(pending[pending.index(pending.startIndex, offsetBy: 6)..<end.lowerBound]) ?? 0
                            mine.append(received - sent)
                            pending.removeSubrange(pending.startIndex..<end.upperBound)
                        }
                    }
                    latencies.append(mine)
                }
            }
            XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
            let all = latencies.all.flatMap { $0 }.sorted()
            XCTAssertEqual(all.count, streams * events, "every event arrived")
            guard !all.isEmpty else { return }
            let p50 = Double(all[all.count / 2]) / 1e6
            let p99 = Double(all[all.count * 99 / 100]) / 1e6
            print("16 streams x 200 events, write-to-read latency: p50 \(p50) ms, p99 \(p99) ms, max \(Double(all.last!) / 1e6) ms")
        }
    }
}
