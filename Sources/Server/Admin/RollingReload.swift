import Foundation

/// A new student rolled across a fleet of replicas (`distillery admin reload --server A --server B ...`), one
/// replica at a time: each is reloaded, then watched on `/admin/status` until it serves the new version, before
/// the next is touched, so a load balancer always has the others to send traffic to. The roll stops at the
/// first replica that refuses the file or does not come up on it, and leaves the rest on their old version.
public struct RollingReload: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Serves `version` (reloaded in `seconds`, as the replica measured it).
        case reloaded(version: String, seconds: Double)
        /// Refused the file or the swap (its error), or could not be reached: the roll stopped here.
        case failed(String)
        /// Not touched because the roll stopped before it; on `version` (nil: its status was unreadable).
        case untouched(version: String?)
    }

    public struct Replica: Sendable, Equatable {
        public let server: String
        public let outcome: Outcome
        /// The replica's answer to the reload (JSON), when it answered.
        public var answer: String? = nil
    }

    public let servers: [(url: String, client: AdminClient)]
    /// How long a replica may take, once it accepted the reload, to report the new version as current.
    public var statusTimeoutSeconds = 60.0
    public var pollSeconds = 0.1

    /// `urls`: the replicas, in the order to roll them.
    public init(servers urls: [String]) throws(AdminClient.Failure) {
        var servers: [(url: String, client: AdminClient)] = []
        for url in urls { servers.append((url, try AdminClient(server: url))) }
        self.servers = servers
    }

    /// Rolls `model` (an absolute path, opened by each replica) across the fleet; `onReplica` hears of each
    /// replica as soon as its outcome is known.
    @discardableResult
    public func run(model: String, token: String?, evaluation: EvaluationGate? = nil,
                    onReplica: (Replica) -> Void = { _ in }) -> [Replica] {
        var replicas: [Replica] = []
        var stopped = false
        for (url, client) in servers {
            if stopped {
                let version = try? Self.currentVersion(client.status(token: token))
                replicas.append(Replica(server: url, outcome: .untouched(version: version ?? nil)))
            } else {
                let (outcome, answer) = reload(client, model: model, token: token, evaluation: evaluation)
                if case .failed = outcome { stopped = true }
                replicas.append(Replica(server: url, outcome: outcome, answer: answer))
            }
            onReplica(replicas.last!)
        }
        return replicas
    }

    private func reload(_ client: AdminClient, model: String, token: String?,
                        evaluation: EvaluationGate?) -> (Outcome, answer: String?) {
        let response: AdminClient.Response
        do { response = try client.reload(model: model, token: token, evaluation: evaluation) } catch {
            return (.failed("\(error)"), nil)
        }
        guard response.status == 200 else { return (.failed("reload refused: " + response.errorSummary), response.body) }
        return (watch(client, answer: response.body, token: token), response.body)
    }

    /// Polls `/admin/status` until the replica serves the version its reload answer names.
    private func watch(_ client: AdminClient, answer body: String, token: String?) -> Outcome {
        guard let answer = try? JSONParser.parse(body), case .string(let version)? = answer["model"]?["version"]
        else { return .failed("the reload's answer names no model version: \(body.prefix(200))") }
        let seconds: Double = switch answer["seconds"] {
        case .double(let value)?: value
        case .integer(let value)?: Double(value)
        default: 0
        }
        let deadline = Date().addingTimeInterval(statusTimeoutSeconds)
        var last = "no status read"
        while true {
            do {
                let current = try Self.currentVersion(client.status(token: token))
                if current == version { return .reloaded(version: version, seconds: seconds) }
                last = current.map { "still serving \($0)" } ?? "serving no model"
            } catch {
                last = "\(error)"
            }
            guard Date() < deadline else {
                return .failed("accepted \(version) but did not serve it within \(Int(statusTimeoutSeconds)) s (\(last))")
            }
            Thread.sleep(forTimeInterval: pollSeconds)
        }
    }

    /// The version `/admin/status` reports as current (nil: no model).
    private static func currentVersion(_ response: AdminClient.Response) throws(AdminClient.Failure) -> String? {
        guard response.status == 200 else { throw .malformedResponse("/admin/status: " + response.errorSummary) }
        guard let status = try? JSONParser.parse(response.body) else { throw .malformedResponse("/admin/status is not JSON") }
        if case .string(let version)? = status["model"]?["version"] { return version }
        return nil
    }
}
