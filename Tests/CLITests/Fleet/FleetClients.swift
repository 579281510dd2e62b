import Foundation
import Synchronization
import TestHTTPClient

/// Closed-loop streaming clients against one address (the balancer): each sends a streamed completion, reads
/// it to the end, and starts the next, until stopped. Every request is recorded with the replica and model
/// version that answered it, and whether it came back whole (200, every chunk, `[DONE]`).
final class FleetClients: @unchecked Sendable {
    struct Request {
        var client: Int
        var startedAt: ContinuousClock.Instant
        var finishedAt: ContinuousClock.Instant
        var replica: String?
        var version: String?
        /// nil: a whole response.
        var failure: String?
    }

    private let records = Mutex<[Request]>([])
    private let stopping = Atomic<Bool>(false)
    private let group = DispatchGroup()
    let clients: Int

    init(port: Int, clients: Int, tokens: Int) {
        self.clients = clients
        let body = Array(#"{"prompt": "def fleet(", "max_tokens": \#(tokens), "temperature": 0, "ignore_eos": true, "stream": true}"#.utf8)
        for client in 0..<clients {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while !stopping.load(ordering: .relaxed) {
                    var request = Request(client: client, startedAt: .now, finishedAt: .now)
                    do {
                        let connection = try TestHTTPClient(port: port, timeout: .seconds(30))
                        try connection.sendRequest("POST", "/v1/completions", body: body,
                                                   headers: ["Content-Type": "application/json", "Connection": "close"])
                        let (status, headers) = try connection.readHead()
                        request.replica = headers["X-Distillery-Replica"]
                        request.version = headers["X-Model-Version"]
                        var text: [UInt8] = []
                        if headers["Transfer-Encoding"]?.lowercased() == "chunked" {
                            while let chunk = try connection.readChunk() { text += chunk }
                        } else {
                            text = try connection.readToEnd()  // nginx's own error pages, closed after the body
                        }
                        let events = String(decoding: text, as: UTF8.self)
                        if status != 200 {
                            request.failure = "HTTP \(status): \(events.prefix(200))"
                        } else if !events.hasSuffix("data: [DONE]\n\n") {
                            request.failure = "the stream ended before [DONE]"
                        }
                    } catch {
                        request.failure = "\(error)"
                    }
                    request.finishedAt = .now
                    records.withLock { $0.append(request) }
                }
            }
        }
    }

    var requests: [Request] { records.withLock { $0 } }

    /// Whether every client finished a whole request that began after `instant`.
    func everyClientFinished(after instant: ContinuousClock.Instant) -> Bool {
        Set(requests.filter { $0.startedAt > instant && $0.failure == nil }.map(\.client)).count == clients
    }

    /// Stops the clients and waits for their last requests; returns every request.
    func stop() -> [Request] {
        stopping.store(true, ordering: .relaxed)
        group.wait()
        return requests
    }

    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
