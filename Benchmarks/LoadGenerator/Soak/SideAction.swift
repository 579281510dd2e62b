/// What the soak's side traffic does between the streaming clients' requests: valid non-streaming
/// completions, clients that walk away, and requests a careless or hostile client sends. Each has the one
/// outcome a healthy server gives.
enum SideAction: String, CaseIterable, Codable {
    /// A valid `"stream": false` completion: must answer 200 with a choice.
    case nonStreaming = "non_streaming"
    /// Sends the head and half the declared body, then closes: the server must drop it quietly.
    case disconnectMidPrompt = "disconnect_mid_prompt"
    /// A streaming completion closed after its first bytes: the server must free the slot.
    case disconnectMidStream = "disconnect_mid_stream"
    case malformedJSON = "malformed_json"
    case invalidParameter = "invalid_parameter"
    /// A Content-Length over the server's 8 MiB body limit.
    case oversizedBody = "oversized_body"
    /// A header over the server's 16 KiB head limit.
    case oversizedHead = "oversized_head"
    case malformedRequestLine = "malformed_request_line"

    /// The status a healthy server answers, or nil when the client does not wait for one.
    var expectedStatus: Int? {
        switch self {
        case .nonStreaming: 200
        case .disconnectMidPrompt, .disconnectMidStream: nil
        case .malformedJSON, .invalidParameter, .malformedRequestLine: 400
        case .oversizedBody: 413
        case .oversizedHead: 431
        }
    }

    /// Every other step is a valid completion, so the valid share of side traffic stays steady.
    static let cycle: [SideAction] = allCases.filter { $0 != .nonStreaming }.flatMap { [.nonStreaming, $0] }

    /// The bytes to send: `path` is the completions path, `validBody` a valid JSON request body.
    func request(host: String, path: String, validBody: [UInt8]) -> [UInt8] {
        switch self {
        case .nonStreaming, .disconnectMidStream:
            return Self.post(host: host, path: path, body: validBody)
        case .disconnectMidPrompt:
            let head = Self.head(host: host, path: path, contentLength: validBody.count)
            return head + validBody.prefix(validBody.count / 2)
        case .malformedJSON:
            return Self.post(host: host, path: path, body: Array(#"{"prompt": "def f(", "max_tokens": "#.utf8))
        case .invalidParameter:
            return Self.post(host: host, path: path, body: Array(#"{"prompt": "x", "max_tokens": -3}"#.utf8))
        case .oversizedBody:
            return Self.head(host: host, path: path, contentLength: 64 * 1024 * 1024)
        case .oversizedHead:
            let filler = String(repeating: "a", count: 20 * 1024)
            return Array("GET /health HTTP/1.1\r\nHost: \(host)\r\nX-Filler: \(filler)\r\n\r\n".utf8)
        case .malformedRequestLine:
            return Array("GET\u{7F} /health HTTP/1.1 extra\r\nHost: \(host)\r\n\r\n".utf8)
        }
    }

    private static func head(host: String, path: String, contentLength: Int) -> [UInt8] {
        Array(("POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(contentLength)\r\nConnection: close\r\n\r\n").utf8)
    }

    private static func post(host: String, path: String, body: [UInt8]) -> [UInt8] {
        head(host: host, path: path, contentLength: body.count) + body
    }
}
