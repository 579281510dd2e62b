#if canImport(Glibc)
import Glibc
#endif

/// The POSIX calls of one client connection, non-blocking: the load generator polls thousands of them,
/// `HTTPClientConnection` one at a time with a timeout.
package enum ClientSocket {
    package enum ReadResult: Equatable {
        case bytes(Int)
        case endOfStream
        case wouldBlock
    }

    /// Starts a non-blocking TCP connect; completion is signalled by POLLOUT, then `connectResult`.
    /// `receiveBuffer` shrinks the receive buffer first (a slow reader's small window).
    package static func connect(to address: SocketAddress, receiveBuffer: Int32? = nil) throws(SocketError) -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try SocketError.check(fd, "socket")
        var one: Int32 = 1
        // Small writes must leave at once: a request is one write, and Nagle would only add delay.
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result < 0, errno != EINPROGRESS {
            let code = errno
            close(fd)
            throw SocketError(operation: "connect to \(address)", code: code)
        }
        return fd
    }

    /// The outcome of a non-blocking connect, once the socket polled writable.
    package static func connectResult(_ fd: Int32) throws(SocketError) {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        try SocketError.check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length), "getsockopt")
        if code != 0 { throw SocketError(operation: "connect", code: code) }
    }

    /// Bytes written, 0 if the socket's buffer is full.
    package static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SocketError) -> Int {
        let written = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if written < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
            throw SocketError(operation: "send", code: errno)
        }
        return written
    }

    package static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> ReadResult {
        let count = recv(fd, buffer.baseAddress, buffer.count, 0)
        if count > 0 { return .bytes(count) }
        if count == 0 { return .endOfStream }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wouldBlock }
        throw SocketError(operation: "recv", code: errno)
    }
}
