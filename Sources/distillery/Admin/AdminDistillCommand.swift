import Distill
import Foundation
import Server

/// `distillery admin distill <distill options> --reload URL [--token T] [--max-bits-per-byte X]`:
/// distills, and hot-swaps the student into the server at URL only if it passes the quality gate
/// (its int8 bits per byte on the held-out split, measured by the pipeline itself).
struct AdminDistillCommand: Command {
    static let spec = CommandSpec(
        name: "distill",
        abstract: "Distill a student, then hot-swap it into a running server if it passes the quality gate.",
        usage: "distillery admin distill --teacher <file> --data <path> -o <out> --reload <url> [--token <token>] "
            + "[--max-bits-per-byte <x>] [options]",
        options: [
            .value("--reload", name: "URL", help: "The server to reload, http://HOST:PORT"),
            AdminCommand.token,
            .value("--max-bits-per-byte", name: "X", help: "Reload only if the int8 student's held-out bits per byte <= X"),
        ] + DistillArguments.specs)

    let options: DistillationOptions
    let client: AdminClient
    let token: String?
    let maximumBitsPerByte: Double?
    let quiet: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        options = try DistillArguments.parse(arguments)
        let url = try arguments.required("--reload")
        do { client = try AdminClient(server: url) } catch { throw UsageError("--reload: \(error)") }
        token = AdminCommand.token(arguments)
        maximumBitsPerByte = try arguments.double("--max-bits-per-byte", in: 0...1000)
        if maximumBitsPerByte != nil, options.corpus.evalFraction == 0, options.corpus.evalInputs.isEmpty {
            throw UsageError("--max-bits-per-byte needs held-out text: drop --eval-fraction 0 or pass --eval-data")
        }
        quiet = arguments.flag("--quiet")
        json = arguments.flag("--json")
    }

    func run() throws {
        let report = try DistillCommand.distill(options, quiet: quiet)
        try DistillSummary.print(report, json: json)
        let server = "\(client.host):\(client.port)"
        if let maximumBitsPerByte {
            guard let bits = report.student.int8?.bitsPerByte, bits <= maximumBitsPerByte else {
                let measured = report.student.int8.map { String(format: "%.4f", $0.bitsPerByte) } ?? "unmeasured"
                throw CLIError("the student's held-out bits per byte (\(measured)) is above --max-bits-per-byte "
                               + "\(maximumBitsPerByte): the server at \(server) was left alone")
            }
        }
        // The server opens the file itself, so it gets an absolute path.
        let path = URL(fileURLWithPath: options.studentPath).standardizedFileURL.path
        let response: AdminClient.Response
        do { response = try client.reload(model: path, token: token) } catch { throw CLIError("\(error)") }
        guard response.status == 200 else {
            throw AdminRefusal(message: "reload refused: " + AdminCommand.errorMessage(response))
        }
        let answer = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let version = (answer?["model"] as? [String: Any])?["version"] as? String ?? "?"
        Console.error("reloaded \(server) with \(path)")
        // With --json, stdout holds only the report.
        if json { Console.error("version \(version)") } else { Console.write("version \(version)\n") }
    }
}
