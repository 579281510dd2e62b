import Foundation

extension LoadReport {
    /// The human-readable summary printed without `--json`.
    var text: String {
        let c = configuration
        let shape = c.mode == "closed" ? "closed loop, \(c.concurrency ?? 0) clients"
            : "open loop, \(Self.number(c.ratePerSecond ?? 0)) requests/s (Poisson, seed \(c.seed))"
        var lines = [
            "\(c.url): \(shape), \(c.maxTokens) tokens per request",
            "requests   \(requests.succeeded) ok, \(requests.failed) failed"
                + (requests.failures.isEmpty ? "" : " (" + requests.failures.sorted { $0.key < $1.key }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"),
            "throughput \(Self.number(throughput.tokensPerSecond)) tokens/s, "
                + "\(Self.number(throughput.requestsPerSecond)) requests/s over \(Self.number(throughput.wallSeconds)) s",
            "",
            "ms          p50       p90       p99       max      mean     count",
        ]
        for (name, distribution) in [("TTFT", ttftMs), ("ITL", itlMs), ("TPOT", tpotMs), ("E2E", e2eMs)] {
            let cells = [distribution.p50, distribution.p90, distribution.p99, distribution.max, distribution.mean]
                .map { Self.pad(Self.number($0), 9) }.joined(separator: " ")
            lines.append(Self.pad(name, 6, left: true) + " " + cells + " " + Self.pad(String(distribution.count), 9))
        }
        if let resources {
            var cpu = "cpu        loadgen \(Self.number(resources.loadgenCpuCores)) cores"
            if let server = resources.serverCpuCores { cpu += ", server \(Self.number(server)) cores" }
            if let rss = resources.serverPeakRssMb { cpu += ", server peak RSS \(Self.number(rss)) MB" }
            if let machine = resources.machineBusyCores { cpu += ", whole machine \(Self.number(machine)) cores" }
            lines.append(cpu)
        }
        lines.append(contentsOf: requests.failureExamples.map { "failure    \($0)" })
        return lines.joined(separator: "\n")
    }

    static func number(_ value: Double) -> String {
        if value >= 100 { return String(format: "%.0f", value) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }

    private static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + padding : padding + text
    }
}
