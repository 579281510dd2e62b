/// The published charts: latency percentiles and throughput against concurrency for every server, and
/// the TTFT and inter-token CDFs at one concurrency.
enum BenchmarkCharts {
    static let palette = ["#1f77b4", "#d95f02", "#1b9e77", "#7570b3", "#e7298a"]

    static func charts(for input: ChartInput) -> [(name: String, chart: LineChart)] {
        var charts = [
            ("ttft-vs-concurrency.svg", percentileChart(input, title: "Time to first token", metric: \.ttftMs)),
            ("itl-vs-concurrency.svg", percentileChart(input, title: "Inter-token latency", metric: \.itlMs)),
            ("throughput-vs-concurrency.svg", throughputChart(input)),
        ]
        if let cdf = input.serving.cdf {
            charts.append(("ttft-cdf-c\(cdf.concurrency).svg", cdfChart(cdf, title: "Time to first token", metric: \.ttftMs)))
            charts.append(("itl-cdf-c\(cdf.concurrency).svg", cdfChart(cdf, title: "Inter-token latency", metric: \.itlMs)))
        }
        return charts
    }

    /// Servers in the order they first appear, each with its colour.
    static func servers(_ input: ChartInput) -> [(name: String, color: String)] {
        var names: [String] = []
        for point in input.serving.concurrencySweep where !names.contains(point.server) { names.append(point.server) }
        for series in input.serving.cdf?.servers ?? [] where !names.contains(series.server) { names.append(series.server) }
        return names.enumerated().map { ($1, palette[$0 % palette.count]) }
    }

    static func percentileChart(_ input: ChartInput, title: String,
                                metric: KeyPath<ChartInput.SweepPoint, ChartInput.Percentiles>) -> LineChart {
        var series: [LineChart.Series] = []
        for (server, color) in servers(input) {
            let points = input.serving.concurrencySweep.filter { $0.server == server }.sorted { $0.concurrency < $1.concurrency }
            guard !points.isEmpty else { continue }
            series.append(.init(name: "\(server) p50", points: points.map { .init(x: Double($0.concurrency), y: $0[keyPath: metric].p50) },
                                color: color))
            series.append(.init(name: "\(server) p99", points: points.map { .init(x: Double($0.concurrency), y: $0[keyPath: metric].p99) },
                                color: color, dashed: true))
        }
        return LineChart(title: "\(title) vs concurrency", xLabel: "concurrent streaming clients",
                         yLabel: "milliseconds (log scale)", xAxis: .logarithmicAt(concurrencies(input)),
                         yAxis: .logarithmic, series: series, note: "solid: p50, dashed: p99; median of repetitions")
    }

    static func throughputChart(_ input: ChartInput) -> LineChart {
        let series = servers(input).compactMap { server, color -> LineChart.Series? in
            let points = input.serving.concurrencySweep.filter { $0.server == server }.sorted { $0.concurrency < $1.concurrency }
            guard !points.isEmpty else { return nil }
            return .init(name: server, points: points.map { .init(x: Double($0.concurrency), y: $0.tokensPerSecond) }, color: color)
        }
        return LineChart(title: "Generated tokens per second vs concurrency", xLabel: "concurrent streaming clients",
                         yLabel: "tokens/s", xAxis: .logarithmicAt(concurrencies(input)), yAxis: .linear(includingZero: true),
                         series: series, note: "median of repetitions")
    }

    static func cdfChart(_ cdf: ChartInput.CDF, title: String, metric: KeyPath<ChartInput.CDFSeries, [Double]>) -> LineChart {
        let colors = Dictionary(uniqueKeysWithValues: zip(cdf.servers.map(\.server), palette + palette))
        let series = cdf.servers.map { server in
            let values = server[keyPath: metric]
            return LineChart.Series(name: server.server, points: zip(values, cdf.levels).map { .init(x: $0, y: $1) },
                                    color: colors[server.server] ?? palette[0], markers: false)
        }
        return LineChart(title: "\(title), CDF at concurrency \(cdf.concurrency)", xLabel: "milliseconds (log scale)",
                         yLabel: "fraction of samples", xAxis: .logarithmic, yAxis: .linear(includingZero: true),
                         series: series, note: "gaps of 0 ms (chunks read together) are drawn at the left edge")
    }

    private static func concurrencies(_ input: ChartInput) -> [Double] {
        Array(Set(input.serving.concurrencySweep.map { Double($0.concurrency) })).sorted()
    }
}
