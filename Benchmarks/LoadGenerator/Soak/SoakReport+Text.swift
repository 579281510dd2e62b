import Foundation

extension SoakReport {
    /// A Markdown summary: the verdict, the totals, and one table row per window.
    var markdown: String {
        let load = configuration.ratePerSecond.map { "\(Self.number($0)) streaming requests/s (open loop)" }
            ?? "\(configuration.concurrency ?? 0) streaming clients (closed loop)"
        var lines = [
            "**\(verdict)** (\(windows.count) windows of \(Int(configuration.windowSeconds)) s, "
                + "warm-up \(configuration.warmupWindows); \(load), \(configuration.maxTokens) tokens each)",
            "",
            "- valid requests: \(validRequests) (streaming, non-streaming, reloads), failed: \(failedValid)",
            "- invalid requests (malformed, oversized, disconnects): \(invalidRequests), answered unexpectedly: \(unexpected)",
            "- reloads: \(reloads), one every \(Int(configuration.reloadEverySeconds)) s",
        ]
        if let rssMb {
            lines.append("- RSS after warm-up (median of \(rssMb.span) windows): \(Self.number(rssMb.baseline)) MiB, "
                + "at the end \(Self.number(rssMb.final)) MiB: growth \(Self.percent(rssMb.fraction)) "
                + "(range \(Self.number(rssMb.min)) to \(Self.number(rssMb.max)))")
        }
        if let openFds {
            lines.append("- open descriptors after warm-up (median of \(openFds.span) windows): \(Self.number(openFds.baseline)), "
                + "at the end \(Self.number(openFds.final)): growth \(Self.percent(openFds.fraction)) "
                + "(range \(Int(openFds.min)) to \(Int(openFds.max)))")
        }
        lines += [
            "",
            "| window | end s | streams | non-stream | failed | unexpected | reloads | TTFT p50/p99 ms | ITL p99 ms "
                + "| stream e2e p50/p99 ms | non-stream e2e p50 ms | queue max/mean | RSS MiB | huge pages MiB "
                + "| heap + mapped MiB | fds |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for window in windows {
            let cells: [String] = [
                "\(window.index)", Self.number(window.endSeconds), "\(window.streamingRequests)",
                "\(window.nonStreamingRequests)", "\(window.failedValid)", "\(window.unexpected)", "\(window.reloads)",
                "\(Self.number(window.ttftMs.p50)) / \(Self.number(window.ttftMs.p99))", Self.number(window.itlMs.p99),
                "\(Self.number(window.streamingE2eMs.p50)) / \(Self.number(window.streamingE2eMs.p99))",
                Self.number(window.nonStreamingE2eMs.p50),
                "\(window.queueWaitingMax) / \(Self.number(window.queueWaitingMean))",
            ] + Self.memoryCells(window)
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        let examples = windows.flatMap(\.failureExamples).prefix(10)
        if !examples.isEmpty {
            lines += ["", "Failures (first \(examples.count)):", ""] + examples.map { "- `\($0)`" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RSS, its huge pages, the live heap + mapped arrays, and descriptors.
    private static func memoryCells(_ window: SoakWindow) -> [String] {
        let heapAndMapped: String
        if let heap = window.jemallocAllocatedMb {
            heapAndMapped = number(heap) + " + " + (window.mappedArrayMb.map(number) ?? "-")
        } else {
            heapAndMapped = "-"
        }
        return [window.rssMb.map(number) ?? "-", window.anonymousHugePagesMb.map(number) ?? "-", heapAndMapped,
                window.openFds.map(String.init) ?? "-"]
    }

    static func number(_ value: Double) -> String {
        String(format: value >= 100 ? "%.0f" : "%.1f", value)
    }
}
