import Foundation
import Server

/// `distillery admin`: talks to a running server's `/admin/*` routes.
enum AdminCommand {
    static let spec = CommandSpec(
        name: "admin",
        abstract: "Manage a running server (hot-swap its model, show its status).",
        usage: "distillery admin <subcommand> [options]",
        subcommands: [AdminReloadCommand.spec, AdminStatusCommand.spec])

    static let group = CommandGroup(spec: spec, commands: [
        "reload": AdminReloadCommand.main,
        "status": AdminStatusCommand.main,
    ])

    static let server = OptionSpec.value("--server", name: "URL", help: "The server", default: "http://127.0.0.1:8080")
    static let token = OptionSpec.value("--token", name: "TOKEN", help: "Admin token (or set DISTILLERY_ADMIN_TOKEN)")

    static func token(_ arguments: ParsedArguments) -> String? {
        arguments.string("--token") ?? ProcessInfo.processInfo.environment["DISTILLERY_ADMIN_TOKEN"]
    }

    /// The server's error object as one line, or the raw body.
    static func errorMessage(_ response: AdminClient.Response) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
              let error = object["error"] as? [String: Any], let message = error["message"] as? String else {
            return "HTTP \(response.status): \(response.body)"
        }
        return "HTTP \(response.status)\((error["code"] as? String).map { " (\($0))" } ?? ""): \(message)"
    }
}

/// `distillery admin reload --model FILE`: hot-swaps a new student into a running server.
struct AdminReloadCommand: Command {
    static let spec = CommandSpec(
        name: "reload",
        abstract: "Load and validate a student on the server, then swap it in with no failed request.",
        usage: "distillery admin reload --model <file> [--server <url>] [--token <token>] [--eval-data <file> --max-bits-per-byte <x>]",
        options: [
            CommonOptions.model, AdminCommand.server, AdminCommand.token,
            .value("--eval-data", name: "FILE", help: "Held-out text the student must score on (quality gate)"),
            .value("--max-bits-per-byte", name: "X", help: "Refuse the student if it scores worse than this on --eval-data"),
            CommonOptions.json,
        ])

    let server: String
    let model: String
    let token: String?
    let evaluation: EvaluationGate?
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        server = arguments.string("--server")!
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
        let response = try AdminClient(server: server).reload(model: model, token: token, evaluation: evaluation)
        if json { Console.write(response.body + "\n") }
        guard response.status == 200 else { throw AdminRefusal(message: "reload refused: " + AdminCommand.errorMessage(response)) }
        guard !json else { return }
        let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let model = object?["model"] as? [String: Any]
        let version = model?["version"] as? String ?? "?"
        let previous = object?["previous_version"] as? String ?? "none"
        let seconds = object?["seconds"] as? Double ?? 0
        Console.write("swapped in \(version) (\(model?["path"] as? String ?? self.model), \(model?["parameters"] as? Int ?? 0) "
                      + "parameters) in \(String(format: "%.2f", seconds)) s; previous model \(previous)\n")
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
        guard response.status == 200 else { throw AdminRefusal(message: AdminCommand.errorMessage(response)) }
        Console.write(response.body + "\n")
    }
}

struct AdminRefusal: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
