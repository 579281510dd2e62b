/// Everything measured about one request. Times are milliseconds; `startMs` is from the start of the run,
/// the others from the request's start (its scheduled arrival in an open loop, so a late client cannot
/// hide queueing).
struct RequestSample: Codable, Equatable {
    var index: Int
    /// The closed-loop client that sent it (nil in an open loop).
    var client: Int?
    var promptIndex: Int
    var startMs: Double
    var status: Int?
    /// Time to the first event carrying text.
    var ttftMs: Double?
    var e2eMs: Double?
    /// The gap before every later text event.
    var itlMs: [Double] = []
    var textChunks = 0
    /// `usage.completion_tokens`, when the server reports it.
    var usageTokens: Int?
    var failure: RequestFailure?

    var succeeded: Bool { failure == nil }

    /// Generated tokens: the server's count when it gives one, else the text events seen.
    var tokens: Int { usageTokens ?? textChunks }
}

struct RequestFailure: Codable, Equatable {
    enum Kind: String, Codable, CaseIterable {
        case connect
        case httpStatus = "http_status"
        case truncated
        case timeout
        case streamError = "stream_error"
        case protocolError = "protocol"
        /// An open-loop arrival found the client at its connection limit and was not sent.
        case dropped
    }

    var kind: Kind
    var detail: String
}
