#if canImport(Glibc)
import Glibc
#endif

/// A failed socket call, named by the call and the reason (errno's text, or the resolver's).
package struct SocketError: Error, Equatable, CustomStringConvertible {
    package var operation: String
    package var reason: String
    /// errno, when a system call failed.
    package var code: Int32?

    package init(operation: String, code: Int32) {
        self.operation = operation
        self.reason = String(cString: strerror(code))
        self.code = code
    }

    package init(operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    package var description: String { "\(operation): \(reason)" }

    package static func check(_ result: Int32, _ operation: String) throws(SocketError) {
        if result < 0 { throw SocketError(operation: operation, code: errno) }
    }
}
