/// The result of one run: what was asked, what came back, and the order statistics of every latency.
/// Latencies and tokens are over successful requests; failures are counted by kind.
struct LoadReport: Codable, Equatable {
    struct Configuration: Codable, Equatable {
        var url: String
        /// "closed" or "open".
        var mode: String
        var concurrency: Int?
        var ratePerSecond: Double?
        var maxRequests: Int?
        var durationSeconds: Double
        var maxTokens: Int
        var temperature: Double
        var ignoreEos: Bool
        var seed: UInt64
        var prompts: String
        var promptCount: Int
        var warmupRequests: Int
    }

    struct Requests: Codable, Equatable {
        var total: Int
        var succeeded: Int
        var failed: Int
        var failures: [String: Int]
        /// The first few failures' details, enough to see what went wrong.
        var failureExamples: [String]
    }

    struct Throughput: Codable, Equatable {
        /// From the run's start to the end of its last request.
        var wallSeconds: Double
        var tokens: Int
        var tokensPerSecond: Double
        var requestsPerSecond: Double
    }

    /// The CDF of TTFT and inter-token latency, at `Distribution.cdfLevels`.
    struct Quantiles: Codable, Equatable {
        var levels: [Double]
        var ttftMs: [Double]
        var itlMs: [Double]
    }

    var configuration: Configuration
    var requests: Requests
    var throughput: Throughput
    var ttftMs: Distribution
    var itlMs: Distribution
    var e2eMs: Distribution
    /// Time per output token after the first: (e2e - ttft) / (tokens - 1), per request.
    var tpotMs: Distribution
    var quantiles: Quantiles
    var resources: ResourceUsage?

    init(configuration: Configuration, samples: [RequestSample], wallSeconds: Double, resources: ResourceUsage?) {
        self.configuration = configuration
        let succeeded = samples.filter(\.succeeded)
        var failures: [String: Int] = [:]
        for sample in samples { if let failure = sample.failure { failures[failure.kind.rawValue, default: 0] += 1 } }
        requests = Requests(total: samples.count, succeeded: succeeded.count, failed: samples.count - succeeded.count,
                            failures: failures,
                            failureExamples: samples.compactMap { $0.failure.map { "\($0.kind.rawValue): \($0.detail)" } }
                                .prefix(5).map { $0 })
        let tokens = succeeded.reduce(0) { $0 + $1.tokens }
        let wall = max(wallSeconds, 1e-9)
        throughput = Throughput(wallSeconds: wallSeconds, tokens: tokens, tokensPerSecond: Double(tokens) / wall,
                                requestsPerSecond: Double(succeeded.count) / wall)
        let ttft = succeeded.compactMap(\.ttftMs)
        let itl = succeeded.flatMap(\.itlMs)
        ttftMs = Distribution(ttft)
        itlMs = Distribution(itl)
        e2eMs = Distribution(succeeded.compactMap(\.e2eMs))
        tpotMs = Distribution(succeeded.compactMap { sample in
            guard let ttft = sample.ttftMs, let e2e = sample.e2eMs, sample.tokens > 1 else { return nil }
            return (e2e - ttft) / Double(sample.tokens - 1)
        })
        quantiles = Quantiles(levels: Distribution.cdfLevels, ttftMs: Distribution.cdf(ttft), itlMs: Distribution.cdf(itl))
        self.resources = resources
    }
}

/// `--out FILE`: the report and every request's raw measurements, for CDFs and re-analysis.
struct LoadRecording: Codable {
    var report: LoadReport
    var samples: [RequestSample]
}
