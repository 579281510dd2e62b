#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `POST /admin/reload` on a running `distillery serve`, over a plain POSIX socket (HTTP/1.1, one request,
/// `Connection: close`): body `{"model": PATH}`, `Authorization: Bearer TOKEN`. The server answers JSON:
/// the new model's version on success, an OpenAI-style `{"error": {"message": ...}}` with a 4xx on refusal.
struct ReloadClient {
    let host: String
    let port: UInt16
    /// A path prefix the server is mounted under ("" for none).
    let basePath: String
    let token: String?
    var timeoutSeconds = 300

    /// "http://HOST[:PORT][/PREFIX]"
    init(url: String, token: String?) throws {
        guard url.hasPrefix("http://") else {
            throw UsageError(url.hasPrefix("https://") ? "--reload: https is not supported; use the server's http address"
                                                        : "--reload expects http://HOST:PORT, got '\(url)'")
        }
        var rest = Substring(url.dropFirst("http://".count))
        var prefix = ""
        if let slash = rest.firstIndex(of: "/") {
            prefix = String(rest[slash...])
            rest = rest[..<slash]
            while prefix.hasSuffix("/") { prefix.removeLast() }
        }
        var hostPart = rest, portNumber: UInt16 = 80
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let port = UInt16(rest[rest.index(after: colon)...]), port > 0 else {
                throw UsageError("--reload: bad port in '\(url)'")
            }
            portNumber = port
            hostPart = rest[..<colon]
        }
        guard !hostPart.isEmpty else { throw UsageError("--reload: no host in '\(url)'") }
        host = String(hostPart.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        port = portNumber
        basePath = prefix
        self.token = token
    }

    struct Response {
        let status: Int
        let body: Data
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    }

    /// The new model's version; throws with the server's own message when it refuses.
    func reload(modelPath: String) throws -> String {
        let body = try JSONSerialization.data(withJSONObject: ["model": modelPath], options: [.withoutEscapingSlashes])
        let response = try post(basePath + "/admin/reload", body: body)
        let json = response.json
        guard (200..<300).contains(response.status) else {
            let error = json?["error"]
            let message = (error as? [String: Any])?["message"] as? String ?? error as? String
                ?? String(decoding: response.body, as: UTF8.self)
            throw CLIError("the server refused the reload (HTTP \(response.status)): \(message)")
        }
        if let version = json?["version"] as? String { return version }
        if let model = json?["model"] as? [String: Any], let version = model["version"] as? String { return version }
        return String(decoding: response.body, as: UTF8.self)
    }

    func post(_ path: String, body: Data) throws -> Response {
        let socket = try HTTPSocket.connect(host: host, port: port, timeoutSeconds: timeoutSeconds)
        defer { socket.close() }
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\nConnection: close\r\nAccept: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        head += "\r\n"
        try socket.send(Data(head.utf8) + body)
        return try HTTPResponseParser.parse(socket.receiveAll(), from: "\(host):\(port)")
    }
}
