#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestHTTPClient
import XCTest

/// Debian's nginx run from the shipped `deploy/nginx/distillery.conf`, in a folder of its own, with the upstream
/// pointed at the test's replicas and the listener at a free port on 127.0.0.1. `make deps` installs nginx.
final class NginxFront {
    let port: Int
    let folder: URL
    private let process = Process()
    private let errors = DrainedPipe()

    init(replicaPorts: [Int]) throws {
        guard let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("nginx is not installed (make deps installs it)")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        let template = try String(contentsOfFile: CLIRunner.packageRoot.appendingPathComponent("deploy/nginx/distillery.conf").path,
                                  encoding: .utf8)
        let config = folder.appendingPathComponent("nginx.conf")
        try Self.configuration(template, replicaPorts: replicaPorts, port: port).write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", folder.path + "/", "-c", config.path, "-e", "stderr",
                             "-g", "daemon off; pid \(folder.path)/nginx.pid;"]
        process.standardError = errors.pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        errors.startDraining()
        let deadline = Date().addingTimeInterval(10)
        while (try? TestHTTPClient(port: port, timeout: .milliseconds(500))) == nil {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw POSIXError(.ECONNREFUSED)
            }
            usleep(20_000)
        }
    }

    /// The shipped file with its three example upstream servers replaced by `replicaPorts` (same parameters)
    /// and its listener by 127.0.0.1:`port`.
    static func configuration(_ template: String, replicaPorts: [Int], port: Int) throws -> String {
        var lines: [String] = []
        var replaced = false
        for line in template.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("server 127.0.0.1:") {
                guard !replaced else { continue }
                replaced = true
                let indent = String(line.prefix { $0 == " " })
                let parameters = trimmed.split(separator: " ").dropFirst(2).joined(separator: " ")
                lines += replicaPorts.map { "\(indent)server 127.0.0.1:\($0) \(parameters)" }
            } else if trimmed == "listen 8080;" {
                lines.append(line.replacingOccurrences(of: "listen 8080;", with: "listen 127.0.0.1:\(port);"))
            } else {
                lines.append(line)
            }
        }
        guard replaced, lines.contains(where: { $0.contains("listen 127.0.0.1:\(port);") }) else {
            throw POSIXError(.EINVAL)
        }
        return lines.joined(separator: "\n")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
