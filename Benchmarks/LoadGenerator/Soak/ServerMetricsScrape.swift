import HTTP

/// `GET /metrics` read into its unlabelled samples (Prometheus text format): the gauges the soak records.
enum ServerMetricsScrape {
    static func fetch(_ address: ServerAddress, timeoutSeconds: Double) throws -> [String: Double] {
        let connection = try address.connection(timeoutSeconds: timeoutSeconds)
        defer { connection.close() }
        try connection.send(Array("GET /metrics HTTP/1.1\r\nHost: \(address.hostHeader)\r\nConnection: close\r\n\r\n".utf8))
        let response = try connection.readResponse()
        guard response.status == 200 else { throw HTTPClientConnection.Failure.malformed("/metrics answered HTTP \(response.status)") }
        return parse(response.text)
    }

    /// `name value` lines; comments and labelled samples (`name{...} value`) are skipped.
    static func parse(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.contains("{") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { samples[String(parts[0])] = value }
        }
        return samples
    }
}
