#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A one-connection-at-a-time HTTP listener on 127.0.0.1 that records each request and answers with a
/// canned response: a stand-in for `distillery serve`'s admin endpoint.
final class FakeAdminServer: @unchecked Sendable {
    struct Request: Sendable {
        let requestLine: String
        let headers: [String: String]  // lower-cased names
        let body: Data
    }

    let port: UInt16
    private let fd: Int32
    private let status: Int
    private let responseBody: String
    private let received = Mutex<[Request]>([])

    /// The default answer has the shape of the real server's.
    init(status: Int = 200,
         body: String = #"{"status":"swapped","model":{"version":"v-1234abcd","path":"student.gguf"},"previous_version":"v-0","seconds":0.01}"#) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
        self.status = status
        responseBody = body
        let listener = fd
        Thread.detachNewThread { [self] in acceptLoop(listener) }
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { received.withLock { $0 } }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            if let request = read(client) {
                received.withLock { $0.append(request) }
                let reason = status == 200 ? "OK" : "Error"
                let reply = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(responseBody.utf8.count)\r\nConnection: close\r\n\r\n\(responseBody)"
                _ = reply.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            }
            close(client)
        }
    }

    private func read(_ client: Int32) -> Request? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = bytes.firstRange(of: [13, 10, 13, 10]) {
                let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                if bytes.count - end.upperBound >= length {
                    return Request(requestLine: head[0], headers: headers,
                                   body: Data(bytes[end.upperBound..<(end.upperBound + length)]))
                }
            }
            let n = recv(client, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            bytes += buffer[0..<n]
        }
    }
}
