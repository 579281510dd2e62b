import Foundation
import Server

/// `distillery admin`: talks to a running server's `/admin/*` routes.
enum AdminCommand {
    static let spec = CommandSpec(
        name: "admin",
        abstract: "Manage a running server (hot-swap its model, show its status).",
        usage: "distillery admin <subcommand> [options]",
        subcommands: [AdminReloadCommand.spec, AdminStatusCommand.spec, AdminDistillCommand.spec])

    static let group = CommandGroup(spec: spec, commands: [
        "reload": AdminReloadCommand.main,
        "status": AdminStatusCommand.main,
        "distill": AdminDistillCommand.main,
    ])

    static let server = OptionSpec.value("--server", name: "URL", help: "The server", default: "http://127.0.0.1:8080")
    static let servers = OptionSpec.value("--server", name: "URL",
                                          help: "The server; repeat it for replicas, reloaded in turn, stopping at a refusal",
                                          default: "http://127.0.0.1:8080")
    static let token = OptionSpec.value("--token", name: "TOKEN", help: "Admin token (or set DISTILLERY_ADMIN_TOKEN)")

    static func token(_ arguments: ParsedArguments) -> String? {
        arguments.string("--token") ?? ProcessInfo.processInfo.environment["DISTILLERY_ADMIN_TOKEN"]
    }

    /// Every `--server` given, or the default one.
    static func servers(_ arguments: ParsedArguments) -> [String] {
        let given = arguments.strings("--server")
        return given.isEmpty ? [arguments.string("--server")!] : given
    }

    /// Rolls `model` across `servers`; prints each replica's outcome as it is known, or with `json` the one
    /// server's reload answer (one server) or the replicas as a JSON array. Throws if a replica failed.
    static func roll(_ model: String, to servers: [String], token: String?, evaluation: EvaluationGate? = nil,
                     json: Bool) throws {
        let roll: RollingReload
        do { roll = try RollingReload(servers: servers) } catch { throw UsageError("--server: \(error)") }
        let replicas = roll.run(model: model, token: token, evaluation: evaluation) { replica in
            guard !json else { return }
            if servers.count == 1, case .reloaded = replica.outcome {
                Console.write(swapSummary(replica.answer ?? "", model: model) + "\n")
            } else if servers.count > 1 {
                Console.write("\(replica.server): \(describe(replica.outcome))\n")
            }
        }
        if json {
            if servers.count == 1, let answer = replicas[0].answer {
                Console.write(answer + "\n")
            } else {
                Console.write(replicasJSON(replicas) + "\n")
            }
        }
        try requireEveryReplicaReloaded(replicas)
    }

    /// Throws the first failure of a roll: the replica (when there are several) and its reason.
    static func requireEveryReplicaReloaded(_ replicas: [RollingReload.Replica]) throws {
        for replica in replicas {
            guard case .failed(let reason) = replica.outcome else { continue }
            guard replicas.count > 1 else { throw AdminRefusal(message: reason) }
            throw AdminRefusal(message: "\(replica.server): \(reason); the replicas after it were left on their version")
        }
    }

    static func describe(_ outcome: RollingReload.Outcome) -> String {
        switch outcome {
        case .reloaded(let version, let seconds): "serves \(version) (reloaded in \(String(format: "%.2f", seconds)) s)"
        case .failed(let reason): "FAILED: \(reason)"
        case .untouched(let version): "left on \(version ?? "an unknown version") (not reloaded)"
        }
    }

    /// "swapped in VERSION (PATH, N parameters) in S s; previous model P", from the reload's answer.
    private static func swapSummary(_ answer: String, model path: String) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
        let model = object?["model"] as? [String: Any]
        let version = model?["version"] as? String ?? "?"
        let previous = object?["previous_version"] as? String ?? "none"
        let seconds = object?["seconds"] as? Double ?? 0
        return "swapped in \(version) (\(model?["path"] as? String ?? path), \(model?["parameters"] as? Int ?? 0) "
            + "parameters) in \(String(format: "%.2f", seconds)) s; previous model \(previous)"
    }

    private static func replicasJSON(_ replicas: [RollingReload.Replica]) -> String {
        let objects: [[String: Any]] = replicas.map { replica in
            switch replica.outcome {
            case .reloaded(let version, let seconds):
                ["server": replica.server, "status": "reloaded", "version": version, "seconds": seconds]
            case .failed(let reason): ["server": replica.server, "status": "failed", "error": reason]
            case .untouched(let version):
                ["server": replica.server, "status": "untouched", "version": version as Any? ?? NSNull()]
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// `distillery admin reload --model FILE [--server URL ...]`: hot-swaps a new student into a running server, or
/// rolls it across replicas one at a time.
struct AdminReloadCommand: Command {
    static let spec = CommandSpec(
        name: "reload",
        abstract: "Load and validate a student on the server, then swap it in with no failed request (replicas: one at a time).",
        usage: "distillery admin reload --model <file> [--server <url> ...] [--token <token>] [--eval-data <file> --max-bits-per-byte <x>]",
        options: [
            CommonOptions.model, AdminCommand.servers, AdminCommand.token,
            .value("--eval-data", name: "FILE", help: "Held-out text the student must score on (quality gate)"),
            .value("--max-bits-per-byte", name: "X", help: "Refuse the student if it scores worse than this on --eval-data"),
            CommonOptions.json,
        ])

    let servers: [String]
    let model: String
    let token: String?
    let evaluation: EvaluationGate?
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        servers = AdminCommand.servers(arguments)
        // the server opens the file, so it gets an absolute path
        let path = try arguments.required("--model")
        model = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        token = AdminCommand.token(arguments)
        json = arguments.flag("--json")
        switch (arguments.string("--eval-data"), try arguments.double("--max-bits-per-byte", in: 0...1000)) {
        case (nil, nil): evaluation = nil
        case (let data?, let bound?):
            evaluation = EvaluationGate(dataPath: data.hasPrefix("/") ? data : FileManager.default.currentDirectoryPath + "/" + data,
                                        maxBitsPerByte: bound)
        default: throw UsageError("--eval-data and --max-bits-per-byte go together")
        }
    }

    func run() throws {
        try AdminCommand.roll(model, to: servers, token: token, evaluation: evaluation, json: json)
    }
}

/// `distillery admin status`: the server's model, models still in memory, swaps and the last reload.
struct AdminStatusCommand: Command {
    static let spec = CommandSpec(
        name: "status",
        abstract: "Print a running server's model, in-flight requests per model, and last reload.",
        usage: "distillery admin status [--server <url>] [--token <token>]",
        options: [AdminCommand.server, AdminCommand.token])

    let server: String
    let token: String?

    init(_ arguments: ParsedArguments) throws {
        server = arguments.string("--server")!
        token = AdminCommand.token(arguments)
    }

    func run() throws {
        let response = try AdminClient(server: server).status(token: token)
        guard response.status == 200 else { throw AdminRefusal(message: response.errorSummary) }
        Console.write(response.body + "\n")
    }
}

struct AdminRefusal: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
