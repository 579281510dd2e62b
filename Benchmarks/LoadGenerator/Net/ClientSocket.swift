#if canImport(Glibc)
import Glibc
#endif

/// Thin wrappers over the non-blocking POSIX socket calls one client connection makes.
enum ClientSocket {
    enum ReadResult: Equatable {
        case bytes(Int)
        case endOfStream
        case wouldBlock
    }

    /// Starts a non-blocking TCP connect to an IPv4 address; completion is signalled by POLLOUT.
    static func connect(to address: ServerAddress) throws(SocketError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try SocketError.check(fd, "socket")
        var one: Int32 = 1
        // Small writes must leave at once: the request is one write, and Nagle would only add delay.
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = address.port.bigEndian
        socketAddress.sin_addr = in_addr(s_addr: address.ipv4.bigEndian)
        let result = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result < 0, errno != EINPROGRESS {
            let code = errno
            close(fd)
            throw SocketError(operation: "connect", code: code)
        }
        return fd
    }

    /// The outcome of a non-blocking connect, once the socket polled writable.
    static func connectResult(_ fd: Int32) throws(SocketError) {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try SocketError.check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length), "getsockopt")
        if code != 0 { throw SocketError(operation: "connect", code: code) }
    }

    /// Bytes written, 0 if the socket's buffer is full.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SocketError) -> Int {
        let written = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if written < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
            throw SocketError(operation: "send", code: errno)
        }
        return written
    }

    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> ReadResult {
        let count = recv(fd, buffer.baseAddress, buffer.count, 0)
        if count > 0 { return .bytes(count) }
        if count == 0 { return .endOfStream }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wouldBlock }
        throw SocketError(operation: "recv", code: errno)
    }

    /// Lifts the soft open-file limit to the hard one: an open loop may hold hundreds of connections.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(min(limit.rlim_cur, 1 << 20))
    }
}
