import Foundation

/// Encodes the streaming `POST /v1/completions` request for each prompt once, before the run, so the load
/// loop only copies bytes.
struct CompletionRequestBuilder {
    var address: ServerAddress
    var model: String?
    var maxTokens: Int
    var temperature: Double
    var ignoreEOS: Bool
    /// Server-sent events (the default), or one JSON response.
    var stream = true
    /// Fields merged into every body last (e.g. `{"cache_prompt": false}` for llama-server).
    var extraFields: [String: Any] = [:]

    func body(prompt: String) throws -> [UInt8] {
        var fields: [String: Any] = [
            "prompt": prompt,
            "max_tokens": maxTokens,
            "temperature": temperature,
            "stream": stream,
        ]
        if stream { fields["stream_options"] = ["include_usage": true] }
        if let model { fields["model"] = model }
        // llama-server and distillery honour ignore_eos; OpenAI-style servers ignore unknown fields.
        if ignoreEOS { fields["ignore_eos"] = true }
        fields.merge(extraFields) { _, extra in extra }
        return Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
    }

    func request(prompt: String) throws -> [UInt8] {
        let body = try body(prompt: prompt)
        let head = "POST \(address.path) HTTP/1.1\r\nHost: \(address.hostHeader)\r\nUser-Agent: distillery-loadgen\r\n"
            + "Accept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
            + "Connection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func parseExtraFields(_ json: String) throws(UsageError) -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw UsageError("--extra-body expects a JSON object, got '\(json)'")
        }
        return object
    }
}
