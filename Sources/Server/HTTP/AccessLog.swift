import Glibc

/// Where access-log lines go: one structured (JSON) line per request. Standard error by default.
public typealias AccessLogSink = @Sendable (String) -> Void

public enum AccessLog {
    /// One `write` per line, so lines from several threads never interleave.
    public static let standardError: AccessLogSink = { line in
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// ISO 8601 UTC with milliseconds.
    static func timestamp(_ seconds: Double) -> String {
        var whole = time_t(seconds)
        var parts = tm()
        gmtime_r(&whole, &parts)
        let millis = Int((seconds - Double(whole)) * 1000)
        func pad(_ n: Int32, _ width: Int = 2) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):"
            + "\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(millis), 3))Z"
    }
}

/// What the access log says of a request beyond method, path, status and duration.
struct AccessLogDetails: Sendable {
    var requestID: String?
    var model: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var timeToFirstToken: Double?
}

/// Counts every answered request in the metrics and writes its access-log line.
final class RequestObserver: Sendable {
    let metrics: ServerMetrics
    private let sink: AccessLogSink?

    init(metrics: ServerMetrics, sink: AccessLogSink?) {
        self.metrics = metrics
        self.sink = sink
    }

    func record(method: String, path: String, status: Int, duration: Double, details: AccessLogDetails,
                clientDisconnected: Bool) {
        metrics.countResponse(status: status)
        guard let sink else { return }
        var json = JSONWriter()
        json.beginObject()
        json.field("time", AccessLog.timestamp(ModelLoader.now()))
        json.field("method", method)
        json.field("path", path)
        json.field("status", status)
        if let id = details.requestID { json.field("id", id) }
        if let model = details.model { json.field("model", model) }
        if let prompt = details.promptTokens { json.field("prompt_tokens", prompt) }
        if let completion = details.completionTokens { json.field("completion_tokens", completion) }
        if let ttft = details.timeToFirstToken { json.field("ttft_ms", Self.milliseconds(ttft)) }
        json.field("duration_ms", Self.milliseconds(duration))
        if clientDisconnected { json.field("client_disconnected", true) }
        json.endObject()
        sink(json.string)
    }

    /// Rounded to microseconds so the line stays short.
    private static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1_000_000).rounded() / 1000
    }
}
