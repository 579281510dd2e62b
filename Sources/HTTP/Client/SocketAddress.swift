#if canImport(Glibc)
import Glibc
#endif

/// One resolved TCP endpoint (IPv4 or IPv6), resolved once so that a load generator's thousands of connects
/// do not each ask the resolver.
package struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    private var storage = sockaddr_storage()
    private var length: socklen_t = 0
    package private(set) var description: String

    /// Every address `host` resolves to, in the resolver's order (`getaddrinfo`, so names, IPv4 and IPv6).
    package static func resolve(host: String, port: Int) throws(SocketError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            throw SocketError(operation: "resolve \(host)", reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry {
            var address = SocketAddress(description: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            address.length = info.pointee.ai_addrlen
            withUnsafeMutableBytes(of: &address.storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
            }
            addresses.append(address)
            entry = info.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw SocketError(operation: "resolve \(host)", reason: "no address") }
        return addresses
    }

    private init(description: String) {
        self.description = description
    }

    package static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        a.length == b.length && a.withSockaddr { x, n in b.withSockaddr { y, _ in memcmp(x, y, Int(n)) == 0 } }
    }

    var family: Int32 { Int32(storage.ss_family) }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}
