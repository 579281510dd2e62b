import Foundation

/// `distillery-loadgen soak`: hours of mixed traffic against one server, measured every window.
struct SoakCommand {
    static let help = """
        OVERVIEW: Soak a server: streaming and non-streaming completions, clients that disconnect, malformed and
        oversized requests, and periodic reloads; records the server's RSS, descriptors, queue and latency.

        USAGE: distillery-loadgen soak --prompts <file> --server-pid <pid> --out-dir <dir> [options]

        OPTIONS:
          --url <url>             Server on 127.0.0.1 (default: http://127.0.0.1:8080; path /v1/completions)
          --prompts <file>        Prompts, one per line, or JSONL lines: a string or {"prompt": ...}
          --server-pid <pid>      The server process, whose RSS and open descriptors are read from /proc
          --out-dir <dir>         Where to write soak.json, soak.md and the SVG charts (created if missing)
          --duration <s>          Length of the soak (default: 3600)
          --window <s>            Measurement interval (default: 60)
          --warmup-windows <n>    Windows before the RSS and descriptor baseline (default: 5)
          --concurrency <n>       Closed-loop streaming clients (default: 2)
          --rate <r>              Open-loop streaming requests per second instead (Poisson arrivals)
          --max-tokens <n>        max_tokens of every valid completion (default: 16)
          --reload-model <paths>  Comma-separated models to POST to /admin/reload in turn (default: no reloads)
          --reload-every <s>      Seconds between reloads (default: 30)
          --admin-token <t>       Bearer token for /admin/reload
          --timeout <s>           A valid request not complete after s seconds fails (default: 120)
          --seed <n>              Seed for prompt choice (default: 1)
          -h, --help              Show help information
        """

    static let valueOptions: Set<String> = [
        "--url", "--prompts", "--server-pid", "--out-dir", "--duration", "--window", "--warmup-windows", "--concurrency", "--rate",
        "--max-tokens", "--reload-model", "--reload-every", "--admin-token", "--timeout", "--seed",
    ]

    var url: String
    var promptsPath: String
    var outputDirectory: String
    var serverPid: Int32
    var duration: Double
    var window: Double
    var warmupWindows: Int
    var concurrency: Int?
    var rate: Double?
    var reloadModels: [String]
    var reloadEvery: Double
    var adminToken: String?
    var timeout: Double
    var seed: UInt64
    var builder: CompletionRequestBuilder

    init(_ arguments: Arguments) throws(UsageError) {
        url = arguments.string("--url") ?? "http://127.0.0.1:8080"
        guard let prompts = arguments.string("--prompts") else { throw UsageError("--prompts <file> is required") }
        guard let directory = arguments.string("--out-dir") else { throw UsageError("--out-dir <dir> is required") }
        guard let pid = try arguments.int("--server-pid", in: 1 ... Int(Int32.max)) else {
            throw UsageError("--server-pid <pid> is required")
        }
        promptsPath = prompts
        outputDirectory = directory
        serverPid = Int32(pid)
        duration = try arguments.double("--duration", in: 1 ... 86_400) ?? 3600
        window = try arguments.double("--window", in: 1 ... 3600) ?? 60
        warmupWindows = try arguments.int("--warmup-windows", in: 1 ... 10_000) ?? 5
        concurrency = try arguments.int("--concurrency", in: 1 ... 256)
        rate = try arguments.double("--rate", in: 0.001 ... 10_000)
        if concurrency != nil && rate != nil { throw UsageError("give either --concurrency or --rate, not both") }
        if rate == nil && concurrency == nil { concurrency = 2 }
        reloadModels = arguments.string("--reload-model")?.split(separator: ",").map(String.init) ?? []
        reloadEvery = try arguments.double("--reload-every", in: 1 ... 86_400) ?? 30
        adminToken = arguments.string("--admin-token")
        timeout = try arguments.double("--timeout", in: 1 ... 86_400) ?? 120
        seed = UInt64(try arguments.int("--seed", in: 0 ... Int.max) ?? 1)
        builder = CompletionRequestBuilder(address: try ServerAddress(url: url), model: nil,
                                           maxTokens: try arguments.int("--max-tokens", in: 1 ... 100_000) ?? 16,
                                           temperature: 0.7, ignoreEOS: true)
    }

    /// Exit code 0 when the soak passed, 1 when it did not.
    func run() throws -> Int32 {
        let prompts = try PromptFile.load(path: promptsPath)
        try ServerProbe.waitUntilListening(builder.address, timeoutSeconds: 5)
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        var nonStreaming = builder
        nonStreaming.stream = false
        var longStream = builder
        longStream.maxTokens = max(64, builder.maxTokens * 4)
        let side = SideTraffic.Settings(address: builder.address, reloadModels: reloadModels, reloadEverySeconds: reloadEvery,
                                        adminToken: adminToken, nonStreamingBody: try nonStreaming.body(prompt: prompts[0]),
                                        streamingBody: try longStream.body(prompt: prompts[prompts.count / 2]),
                                        timeoutSeconds: timeout)
        let runner = SoakRunner(settings: .init(address: builder.address,
                                                streamingRequests: try prompts.map { try builder.request(prompt: $0) },
                                                arrivals: rate.map { .openLoop(ratePerSecond: $0) }
                                                    ?? .closedLoop(concurrency: concurrency ?? 2),
                                                durationSeconds: duration, windowSeconds: window,
                                                requestTimeoutSeconds: timeout, serverPid: serverPid, seed: seed, side: side))
        var partial: [SoakWindow] = []
        let windows = runner.run { window in
            // unbuffered, so a soak's progress shows in its log while it runs
            FileHandle.standardOutput.write(Data(("window \(window.index + 1)/\(runner.windowCount): \(window.streamingRequests) streams, "
                + "\(window.nonStreamingRequests) non-streaming, \(window.reloads) reloads, \(window.failedValid) failed, "
                + "\(window.unexpected) unexpected; RSS \(window.rssMb.map(SoakReport.number) ?? "-") MiB, "
                + "fds \(window.openFds.map(String.init) ?? "-"), TTFT p99 \(SoakReport.number(window.ttftMs.p99)) ms\n").utf8))
            // the results so far, after every window: a soak cut short still leaves its measurements
            partial.append(window)
            _ = try? writeReport(partial)
        }
        let report = try writeReport(windows)
        print(report.markdown)
        return report.passed ? 0 : 1
    }

    @discardableResult
    private func writeReport(_ windows: [SoakWindow]) throws -> SoakReport {
        let configuration = SoakReport.Configuration(url: url, durationSeconds: duration, windowSeconds: window,
                                                     concurrency: concurrency, ratePerSecond: rate, maxTokens: builder.maxTokens,
                                                     reloadEverySeconds: reloadEvery, reloadModels: reloadModels,
                                                     warmupWindows: min(warmupWindows, max(1, windows.count - 1)),
                                                     prompts: promptsPath)
        let report = SoakReport(configuration: configuration, windows: windows)
        try write(Data(try RunCommand.encoder.encode(report)), "soak.json")
        try write(Data(report.markdown.utf8), "soak.md")
        for (name, chart) in SoakCharts.charts(for: report) { try write(Data(chart.render().utf8), name) }
        return report
    }

    private func write(_ data: Data, _ name: String) throws {
        let path = (outputDirectory as NSString).appendingPathComponent(name)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
