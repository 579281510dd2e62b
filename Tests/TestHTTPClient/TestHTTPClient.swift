import Foundation
import HTTP

/// The tests' client: `HTTPClientConnection` to 127.0.0.1, plus the raw reads (lines, single chunks) that let a
/// test check the server's framing byte by byte. Every read waits at most `timeout`, so no test can hang.
public final class TestHTTPClient {
    public enum Failure: Error {
        case timedOut
        case closed
        case malformed(String)
        case system(String)
    }

    private let connection: HTTPClientConnection

    /// `receiveBuffer` shrinks the socket's receive buffer before connecting (a slow reader's small window).
    public init(port: Int, timeout: Duration = .seconds(20), receiveBuffer: Int32? = nil) throws {
        do {
            connection = try HTTPClientConnection(to: SocketAddress.resolve(host: "127.0.0.1", port: port), timeout: timeout,
                                                  receiveBuffer: receiveBuffer)
        } catch let error as HTTPClientConnection.Failure {
            throw Self.failure(error)
        }
    }

    public func setTimeout(_ timeout: Duration) {
        connection.timeout = timeout
    }

    public func send(_ bytes: [UInt8]) throws {
        do { try connection.send(bytes) } catch { throw Self.failure(error) }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func sendRequest(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        try send(Array((head + "\r\n").utf8) + (body ?? []))
    }

    public func request(_ method: String, _ path: String, json: Any? = nil, rawBody: [UInt8]? = nil,
                        headers: [String: String] = [:]) throws -> TestResponse {
        let body = try rawBody ?? json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        try sendRequest(method, path, body: body, headers: headers)
        return try readResponse(isHead: method == "HEAD")
    }

    /// Closes the write side only (the server sees EOF).
    public func shutdownWrite() { connection.shutdownWrite() }

    /// Closes with a reset instead of a FIN, as a crashed client would.
    public func reset() { connection.reset() }

    private func fill() throws -> Bool {
        do { return try connection.fill() } catch { throw Self.failure(error) }
    }

    private func readLine() throws -> String {
        while true {
            if let newline = connection.buffered.firstIndex(of: 0x0A) {
                var line = connection.buffered[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                connection.consume(newline + 1)
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw Failure.closed }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while connection.buffered.count < count {
            guard try fill() else { throw Failure.closed }
        }
        defer { connection.consume(count) }
        return Array(connection.buffered[0..<count])
    }

    /// Status line and headers.
    public func readHead() throws -> (status: Int, headers: TestHeaders) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw Failure.malformed(statusLine)
        }
        var headers = TestHeaders()
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed(line) }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            headers.fields.append((String(line[..<colon]), value))
        }
        return (status, headers)
    }

    /// The data of the next chunk of a chunked body; nil for the last chunk (its trailer is consumed).
    public func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine, radix: 16) else { throw Failure.malformed(sizeLine) }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try readExactly(size)
        guard try readLine().isEmpty else { throw Failure.malformed("chunk end") }
        return data
    }

    public func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { connection.consume(connection.buffered.count) }
        return connection.buffered
    }

    /// A whole response, framed by Content-Length, chunked coding or the connection's end; interim 1xx
    /// responses are skipped. A HEAD response is its head alone.
    public func readResponse(isHead: Bool = false) throws -> TestResponse {
        if isHead {
            let (status, headers) = try readHead()
            return TestResponse(status: status, headers: headers, body: [])
        }
        do {
            let response = try connection.readResponse()
            return TestResponse(status: response.status, headers: TestHeaders(fields: response.headers), body: response.body)
        } catch {
            throw Self.failure(error)
        }
    }

    /// Whether the server closed the connection (EOF or reset) within the timeout, with no bytes.
    public func isClosedByServer() -> Bool {
        connection.buffered.isEmpty && ((try? fill()) == false)
    }

    private static func failure(_ error: HTTPClientConnection.Failure) -> Failure {
        switch error {
        case .timedOut: .timedOut
        case .closed: .closed
        case .malformed(let reason): .malformed(reason)
        case .connect(let error), .io(let error): .system(error.description)
        }
    }
}

/// Response header fields in arrival order, looked up without regard to case.
public struct TestHeaders: Sendable {
    public var fields: [(name: String, value: String)] = []

    public subscript(name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

public struct TestResponse: Sendable {
    public var status: Int
    public var headers: TestHeaders
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? { headers[name] }
}
