import Foundation

/// `distillery-loadgen run`: drive one server with streaming completions and report latency percentiles.
struct RunCommand {
    static let help = """
        OVERVIEW: Drive an OpenAI-compatible server with streaming completions and report latencies.

        USAGE: distillery-loadgen run --prompts <file> [--url <url>] [--concurrency <n> | --rate <r>] [options]

        OPTIONS:
          --url <url>             Server on 127.0.0.1, e.g. http://127.0.0.1:8080 (path defaults to /v1/completions)
          --prompts <file>        Prompts, one per line, or JSONL lines: a string or {"prompt": ...}
          --concurrency <n>       Closed loop: n clients, each sends its next request when the last ends (default: 1)
          --rate <r>              Open loop: Poisson arrivals at r requests per second instead
          --requests <n>          Stop sending after n requests
          --duration <s>          Stop sending after s seconds (default: 60)
          --max-tokens <n>        max_tokens of every request (default: 64)
          --temperature <t>       Sampling temperature (default: 0)
          --no-ignore-eos         Do not send "ignore_eos": true (then requests may end before max-tokens)
          --model <name>          The "model" field to send (default: none)
          --extra-body <json>     A JSON object merged into every request body
          --seed <n>              Seed for prompt choice and arrival times (default: 1)
          --timeout <s>           A request not complete after s seconds fails as a timeout (default: 120)
          --warmup <n>            Send n requests first and discard them (default: 0)
          --max-in-flight <n>     Open loop: connections held before arrivals are dropped (default: 1000)
          --server-pid <pid>      Also report the server's CPU use and RSS over the run (from /proc)
          --json                  Print the report as JSON
          --out <file>            Write the report and every request's samples as JSON
          -h, --help              Show help information
        """

    static let valueOptions: Set<String> = [
        "--url", "--prompts", "--concurrency", "--rate", "--requests", "--duration", "--max-tokens", "--temperature",
        "--model", "--extra-body", "--seed", "--timeout", "--warmup", "--max-in-flight", "--server-pid", "--out",
    ]
    static let flagOptions: Set<String> = ["--no-ignore-eos", "--json"]

    var url: String
    var promptsPath: String
    var plan: LoadPlan
    var builder: CompletionRequestBuilder
    var warmupRequests: Int
    var serverPid: Int32?
    var json: Bool
    var outPath: String?

    init(_ arguments: Arguments) throws(UsageError) {
        url = arguments.string("--url") ?? "http://127.0.0.1:8080"
        let address = try ServerAddress(url: url)
        guard let prompts = arguments.string("--prompts") else { throw UsageError("--prompts <file> is required") }
        promptsPath = prompts
        let concurrency = try arguments.int("--concurrency", in: 1 ... 4096)
        let rate = try arguments.double("--rate", in: 0.001 ... 100_000)
        if concurrency != nil && rate != nil { throw UsageError("give either --concurrency or --rate, not both") }
        plan = LoadPlan(arrivals: rate.map { .openLoop(ratePerSecond: $0) } ?? .closedLoop(concurrency: concurrency ?? 1),
                        maxRequests: try arguments.int("--requests", in: 1 ... 10_000_000),
                        duration: try arguments.double("--duration", in: 0.001 ... 86_400) ?? 60,
                        requestTimeout: try arguments.double("--timeout", in: 0.001 ... 86_400) ?? 120,
                        seed: UInt64(try arguments.int("--seed", in: 0 ... Int.max) ?? 1),
                        maxInFlight: try arguments.int("--max-in-flight", in: 1 ... 1_000_000) ?? 1000)
        builder = CompletionRequestBuilder(address: address, model: arguments.string("--model"),
                                           maxTokens: try arguments.int("--max-tokens", in: 1 ... 1_000_000) ?? 64,
                                           temperature: try arguments.double("--temperature", in: 0 ... 100) ?? 0,
                                           ignoreEOS: !arguments.flag("--no-ignore-eos"))
        if let extra = arguments.string("--extra-body") {
            builder.extraFields = try CompletionRequestBuilder.parseExtraFields(extra)
        }
        warmupRequests = try arguments.int("--warmup", in: 0 ... 1_000_000) ?? 0
        serverPid = try arguments.int("--server-pid", in: 1 ... Int(Int32.max)).map { Int32($0) }
        json = arguments.flag("--json")
        outPath = arguments.string("--out")
    }

    /// Exit code: 0, or 1 when no request succeeded (nothing measured).
    func run() throws -> Int32 {
        let prompts = try PromptFile.load(path: promptsPath)
        let requests = try prompts.map { try builder.request(prompt: $0) }
        let openFiles = OpenFileLimit.raise()
        var plan = plan
        plan.maxInFlight = min(plan.maxInFlight, max(1, openFiles - 32))
        try ServerProbe.waitUntilListening(builder.address, timeoutSeconds: 5)

        if warmupRequests > 0 {
            let warmup = LoadPlan(arrivals: .closedLoop(concurrency: warmupConcurrency), maxRequests: warmupRequests,
                                  duration: 120, requestTimeout: plan.requestTimeout, seed: plan.seed &+ 1)
            _ = LoadRunner(address: builder.address, requests: requests, plan: warmup).run()
        }

        let before = ResourceUsage.Snapshot.take(serverPid: serverPid)
        let result = LoadRunner(address: builder.address, requests: requests, plan: plan).run()
        let after = ResourceUsage.Snapshot.take(serverPid: serverPid)
        let wall = Double(result.endNs - result.startNs) / 1e9
        let report = LoadReport(configuration: configuration(promptCount: prompts.count), samples: result.samples,
                                wallSeconds: wall,
                                resources: ResourceUsage(from: before, to: after, wallSeconds: wall, serverPid: serverPid))
        if let outPath {
            try Self.encoder.encode(LoadRecording(report: report, samples: result.samples))
                .write(to: URL(fileURLWithPath: outPath), options: .atomic)
        }
        print(json ? String(decoding: try Self.encoder.encode(report), as: UTF8.self) : report.text)
        return report.requests.succeeded > 0 ? 0 : 1
    }

    private var warmupConcurrency: Int {
        switch plan.arrivals {
        case .closedLoop(let concurrency): concurrency
        case .openLoop(let rate): min(16, max(1, Int(rate.rounded(.up))))
        }
    }

    private func configuration(promptCount: Int) -> LoadReport.Configuration {
        var concurrency: Int?, rate: Double?
        switch plan.arrivals {
        case .closedLoop(let clients): concurrency = clients
        case .openLoop(let perSecond): rate = perSecond
        }
        return LoadReport.Configuration(url: url, mode: concurrency == nil ? "open" : "closed", concurrency: concurrency,
                                        ratePerSecond: rate, maxRequests: plan.maxRequests,
                                        durationSeconds: plan.duration, maxTokens: builder.maxTokens,
                                        temperature: builder.temperature, ignoreEos: builder.ignoreEOS, seed: plan.seed,
                                        prompts: promptsPath, promptCount: promptCount, warmupRequests: warmupRequests)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()
}
