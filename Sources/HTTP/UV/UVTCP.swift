import CLibUV
import Glibc

/// A `uv_tcp_t`, listening or connected. A connected stream allows one write in flight at a time (the
/// connection coalesces what comes in meanwhile), so its write and shutdown requests are allocated once.
final class UVTCP {
    enum ReadResult {
        case bytes(UnsafeRawBufferPointer)
        case endOfInput
        case failed(UVError)
    }

    private var handle: UnsafeMutablePointer<uv_tcp_t>!
    private let writeRequest = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
    private let shutdownRequest = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
    /// Shared by every stream of the loop: a read is consumed inside its callback, before the next.
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var onConnection: (() -> Void)?
    private var onRead: ((ReadResult) -> Void)?
    private var onWriteComplete: ((UVError?) -> Void)?
    private var onShutdownComplete: (() -> Void)?
    private(set) var isWriting = false

    init(loop: UVLoop, readBuffer: UnsafeMutableRawBufferPointer) throws(UVError) {
        self.readBuffer = readBuffer
        handle = try UV.makeHandle(owner: self, operation: "uv_tcp_init") { uv_tcp_init(loop.pointer, $0) }
        writeRequest.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        shutdownRequest.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        // reached only after the close callback released the handle's reference, and libuv runs every
        // cancelled request's callback before that one, so neither request is still in use
        writeRequest.deallocate()
        shutdownRequest.deallocate()
    }

    /// Binds to an IPv4 or IPv6 address literal; "localhost" means 127.0.0.1 (no resolver on the loop).
    func bind(host: String, port: Int) throws(UVError) {
        let host = host == "localhost" ? "127.0.0.1" : host
        var address = sockaddr_storage()
        try withUnsafeMutableBytes(of: &address) { (raw) throws(UVError) in
            if host.contains(":") {
                try UV.check(uv_ip6_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)),
                    "uv_ip6_addr(\(host))")
            } else {
                try UV.check(uv_ip4_addr(host, Int32(port), raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)),
                    "uv_ip4_addr(\(host))")
            }
            try UV.check(uv_tcp_bind(handle, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), 0),
                "uv_tcp_bind(\(host):\(port))")
        }
    }

    /// The local port, e.g. the one the kernel picked for a bind to port 0.
    func localPort() throws(UVError) -> Int {
        var address = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        try withUnsafeMutableBytes(of: &address) { (raw) throws(UVError) in
            try UV.check(uv_tcp_getsockname(handle, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length),
                "uv_tcp_getsockname")
        }
        let port = Int32(address.ss_family) == AF_INET6
            ? withUnsafeBytes(of: &address) { $0.load(as: sockaddr_in6.self).sin6_port }
            : withUnsafeBytes(of: &address) { $0.load(as: sockaddr_in.self).sin_port }
        return Int(UInt16(bigEndian: port))
    }

    func listen(backlog: Int32, onConnection: @escaping () -> Void) throws(UVError) {
        self.onConnection = onConnection
        try UV.check(uv_listen(UV.stream(handle), backlog) { server, status in
            // a failed accept (e.g. out of descriptors) drops that one client; the listener carries on
            guard status >= 0 else { return }
            UV.owner(of: server, as: UVTCP.self).onConnection?()
        }, "uv_listen")
    }

    func accept(_ client: UVTCP) throws(UVError) {
        try UV.check(uv_accept(UV.stream(handle), UV.stream(client.handle)), "uv_accept")
        // responses are written whole or as SSE events; Nagle would only delay them
        try UV.check(uv_tcp_nodelay(client.handle, 1), "uv_tcp_nodelay")
    }

    func startReading(_ onRead: @escaping (ReadResult) -> Void) throws(UVError) {
        self.onRead = onRead
        try UV.check(uv_read_start(UV.stream(handle), { handle, _, buffer in
            let stream = UV.owner(of: handle, as: UVTCP.self)
            buffer!.pointee = uv_buf_init(
                stream.readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(stream.readBuffer.count))
        }, { handle, count, buffer in
            let stream = UV.owner(of: handle, as: UVTCP.self)
            if count > 0 {
                stream.onRead?(.bytes(UnsafeRawBufferPointer(start: buffer!.pointee.base, count: count)))
            } else if count == Int(UV_EOF.rawValue) {
                stream.onRead?(.endOfInput)
            } else if count < 0 {
                stream.onRead?(.failed(UVError(code: Int32(count), operation: "read")))
            }
        }), "uv_read_start")
    }

    func stopReading() {
        uv_read_stop(UV.stream(handle))
    }

    /// Writes `bytes`, which must stay valid and unchanged until `completion` runs.
    func write(_ bytes: UnsafeRawBufferPointer, completion: @escaping (UVError?) -> Void) throws(UVError) {
        precondition(!isWriting, "one write in flight at a time")
        var buffer = uv_buf_init(UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: CChar.self)),
            UInt32(bytes.count))
        onWriteComplete = completion
        try UV.check(uv_write(writeRequest, UV.stream(handle), &buffer, 1) { request, status in
            let stream = UV.owner(of: request, as: UVTCP.self)
            stream.isWriting = false
            let completion = stream.onWriteComplete
            stream.onWriteComplete = nil
            completion?(status < 0 ? UVError(code: status, operation: "write") : nil)
        }, "uv_write")
        isWriting = true
    }

    /// Sends FIN once queued writes are done.
    func shutdown(completion: @escaping () -> Void) throws(UVError) {
        onShutdownComplete = completion
        try UV.check(uv_shutdown(shutdownRequest, UV.stream(handle)) { request, _ in
            let stream = UV.owner(of: request, as: UVTCP.self)
            let completion = stream.onShutdownComplete
            stream.onShutdownComplete = nil
            completion?()
        }, "uv_shutdown")
    }

    func close() {
        onConnection = nil
        onRead = nil
        UV.close(handle)
    }
}
