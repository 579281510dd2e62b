import Engine
import Foundation
import Server

/// `distillery serve -m FILE`: the OpenAI-compatible server for one compact int8 student.
struct ServeCommand: Command {
    static let spec = CommandSpec(
        name: "serve",
        abstract: "Serve a compact int8 student over an OpenAI-compatible HTTP API.",
        usage: "distillery serve -m <file> [--host <address>] [--port <n>] [--slots <n>] [options]",
        options: [
            CommonOptions.model,
            .value("--host", name: "ADDRESS", help: "Address to bind", default: "127.0.0.1"),
            .value("--port", name: "N", help: "Port to listen on (0 picks a free one)", default: "8080"),
            .value("--slots", name: "N", help: "Sequences decoded together", default: "16"),
            .value("--ctx", name: "N", help: "Context length per slot (default: the model's)"),
            .value("--queue", name: "N", help: "Sequences that may wait for a slot before 429", default: "64"),
            .value("--prompt-cache-mb", name: "N", help: "Memory for finished prompts' KV caches, reused by prompts that start the same way (0: off)", default: "256"),
            .value("--max-params", name: "N", help: "Refuse models with more parameters (e.g. 100M)", default: "100M"),
            .value("--api-key", name: "KEY", help: "Require 'Authorization: Bearer KEY' (or set DISTILLERY_API_KEY)"),
            .value("--admin-token", name: "TOKEN", help: "Enable /admin/* with this token (or set DISTILLERY_ADMIN_TOKEN)"),
            .flag("--quantize", help: "Quantize f32/f16 weights to Q8_0 on load instead of refusing them"),
            CommonOptions.threads,
            CommonOptions.activations,
            .flag("--no-access-log", help: "Do not write an access-log line per request to stderr"),
        ])

    let configuration: ServerConfiguration
    let modelPath: String

    init(_ arguments: ParsedArguments) throws {
        modelPath = try arguments.required("--model")
        var configuration = ServerConfiguration()
        configuration.http.host = arguments.string("--host")!
        configuration.http.port = try arguments.int("--port", in: 0...65535)!
        configuration.scheduler.slots = try arguments.int("--slots", in: 1...256)!
        configuration.scheduler.contextLength = try arguments.int("--ctx", in: 1...1_048_576)
        configuration.scheduler.queueCapacity = try arguments.int("--queue", in: 0...100_000)!
        configuration.scheduler.promptCacheBytes = try arguments.int("--prompt-cache-mb", in: 0...1_048_576)! << 20
        configuration.loading.maxParameters = try Self.count(arguments.string("--max-params")!, option: "--max-params")
        configuration.loading.quantize = arguments.flag("--quantize")
        let environment = ProcessInfo.processInfo.environment
        configuration.apiKey = arguments.string("--api-key") ?? environment["DISTILLERY_API_KEY"]
        configuration.adminToken = arguments.string("--admin-token") ?? environment["DISTILLERY_ADMIN_TOKEN"]
        configuration.modelPath = modelPath
        if arguments.flag("--no-access-log") { configuration.accessLog = nil }
        configuration.loading.threads = try arguments.int("--threads", in: 1...1024)
        configuration.loading.activations = try arguments.activationPrecision()
        self.configuration = configuration
    }

    /// "100M", "7.5M", "2B", "500K" or a plain integer.
    static func count(_ text: String, option: String) throws -> Int {
        let multipliers: [Character: Double] = ["K": 1e3, "k": 1e3, "M": 1e6, "m": 1e6, "B": 1e9, "b": 1e9, "G": 1e9, "g": 1e9]
        var digits = Substring(text)
        var scale = 1.0
        if let last = digits.last, let multiplier = multipliers[last] {
            scale = multiplier
            digits = digits.dropLast()
        }
        guard let value = Double(digits), value.isFinite, value > 0, value * scale < 1e15 else {
            throw UsageError("\(option) expects a count such as 100M, got '\(text)'")
        }
        return Int(value * scale)
    }

    func run() throws {
        let server = DistilleryServer(configuration: configuration)
        try server.start()
        Console.error("distillery: listening on http://\(configuration.http.host):\(server.port), loading \(modelPath)")
        do {
            let model = try server.loadModel(path: modelPath)
            Console.error("distillery: serving \(model.name) (version \(model.version), \(formatCount(model.parameterCount)) "
                          + "parameters) with \(configuration.scheduler.slots) slots, "
                          + "\(configuration.loading.activations.name) activations")
        } catch {
            server.stop()
            server.wait()
            throw error
        }
        server.wait()
        Console.error("distillery: stopped")
    }
}
