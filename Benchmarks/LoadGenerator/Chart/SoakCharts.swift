/// The soak's charts, one point per window against minutes: the server's memory and descriptors relative
/// to their value after the warm-up (the pass band drawn at +5%), latency percentiles, and the queue.
enum SoakCharts {
    static func charts(for report: SoakReport) -> [(name: String, chart: LineChart)] {
        [("soak-growth.svg", growthChart(report)), ("soak-latency.svg", latencyChart(report)),
         ("soak-queue.svg", queueChart(report))]
    }

    static func growthChart(_ report: SoakReport) -> LineChart {
        let windows = report.windows
        let warmup = report.configuration.warmupWindows
        // each line relative to the median of its first windows after the warm-up (`SoakReport.Growth`)
        func relative(_ name: String, _ values: [Double?], color: String) -> LineChart.Series {
            guard let growth = SoakReport.Growth(values, warmupWindows: warmup), growth.baseline > 0 else {
                return .init(name: name, points: [], color: color)
            }
            let points = zip(windows, values).compactMap { window, value in
                value.map { SVGDocument.Point(x: minutes(window), y: 100 * $0 / growth.baseline) }
            }
            return .init(name: name, points: points, color: color)
        }
        var series = [
            relative("RSS", windows.map(\.rssMb), color: BenchmarkCharts.palette[0]),
            relative("open fds", windows.map { $0.openFds.map(Double.init) }, color: BenchmarkCharts.palette[1]),
            relative("jemalloc allocated", windows.map(\.jemallocAllocatedMb), color: BenchmarkCharts.palette[2]),
            relative("huge pages", windows.map(\.anonymousHugePagesMb), color: BenchmarkCharts.palette[3]),
        ]
        let span = [windows.first.map(minutes) ?? 0, windows.last.map(minutes) ?? 1]
        series.append(.init(name: "pass limit +5%", points: span.map { .init(x: $0, y: 100 * (1 + SoakReport.maxGrowth)) },
                            color: "#c00", dashed: true, markers: false))
        return LineChart(title: "Server memory and descriptors during the soak", xLabel: "minutes",
                         yLabel: "% of the median after warm-up", xAxis: .linear(includingZero: true),
                         yAxis: .linear(includingZero: false), series: series,
                         note: "measured at each window's end with no client connected; warm-up: \(warmup) windows; \(report.verdict)")
    }

    static func latencyChart(_ report: SoakReport) -> LineChart {
        func line(_ name: String, _ value: (SoakWindow) -> Double, color: String, dashed: Bool = false) -> LineChart.Series {
            .init(name: name, points: report.windows.map { .init(x: minutes($0), y: value($0)) }, color: color, dashed: dashed)
        }
        let palette = BenchmarkCharts.palette
        return LineChart(title: "Latency per window during the soak", xLabel: "minutes", yLabel: "milliseconds (log scale)",
                         xAxis: .linear(includingZero: true), yAxis: .logarithmic,
                         series: [line("TTFT p50", { $0.ttftMs.p50 }, color: palette[0]),
                                  line("TTFT p99", { $0.ttftMs.p99 }, color: palette[0], dashed: true),
                                  line("ITL p99", { $0.itlMs.p99 }, color: palette[1], dashed: true),
                                  line("stream e2e p50", { $0.streamingE2eMs.p50 }, color: palette[2]),
                                  line("stream e2e p99", { $0.streamingE2eMs.p99 }, color: palette[2], dashed: true),
                                  line("non-stream e2e p50", { $0.nonStreamingE2eMs.p50 }, color: palette[3])],
                         note: "\(report.configuration.maxTokens) tokens per request; "
                            + "a reload every \(Int(report.configuration.reloadEverySeconds)) s")
    }

    static func queueChart(_ report: SoakReport) -> LineChart {
        let palette = BenchmarkCharts.palette
        let series: [LineChart.Series] = [
            .init(name: "waiting max", points: report.windows.map { .init(x: minutes($0), y: Double($0.queueWaitingMax)) },
                  color: palette[0]),
            .init(name: "waiting mean", points: report.windows.map { .init(x: minutes($0), y: $0.queueWaitingMean) },
                  color: palette[0], dashed: true),
            .init(name: "running max", points: report.windows.map { .init(x: minutes($0), y: Double($0.runningMax)) },
                  color: palette[1]),
        ]
        return LineChart(title: "Scheduler queue during the soak", xLabel: "minutes", yLabel: "sequences",
                         xAxis: .linear(includingZero: true), yAxis: .linear(includingZero: true), series: series,
                         note: "sampled from /metrics every 2 s")
    }

    private static func minutes(_ window: SoakWindow) -> Double { window.endSeconds / 60 }
}
