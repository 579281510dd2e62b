#if canImport(Glibc)
import Glibc
#endif

/// A failed POSIX call, named by the call and the errno text.
struct SocketError: Error, Equatable, CustomStringConvertible {
    var operation: String
    var code: Int32

    var description: String { "\(operation): \(String(cString: strerror(code)))" }

    static func check(_ result: Int32, _ operation: String) throws(SocketError) {
        if result < 0 { throw SocketError(operation: operation, code: errno) }
    }
}
