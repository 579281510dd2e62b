import CLibUV

/// A libuv call failed: `code` is libuv's negative errno, `operation` the call that returned it.
public struct UVError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var message: String { String(cString: uv_strerror(code)) }
    public var name: String { String(cString: uv_err_name(code)) }
    public var description: String { "\(operation) failed: \(message) (\(name))" }
}
