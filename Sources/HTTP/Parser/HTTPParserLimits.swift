/// Bounds on what one request may make the server hold in memory.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Request line plus header lines, line endings included (also the budget for chunked trailers).
    public var maxHeaderBytes: Int
    public var maxHeaderCount: Int
    /// The decoded body, whether framed by Content-Length or chunked.
    public var maxBodyBytes: Int

    public init(maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 8 * 1024 * 1024) {
        precondition(maxHeaderBytes > 0 && maxHeaderCount > 0 && maxBodyBytes >= 0, "limits must be positive")
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }

    /// A chunk-size line is a hex number plus extensions we ignore; longer than this is an attack.
    static let maxChunkSizeLineBytes = 1024
}
