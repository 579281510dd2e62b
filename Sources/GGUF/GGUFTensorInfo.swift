/// Where one tensor lives in the file and how it is stored.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ggml order: `shape[0]` is the contiguous row length, `shape[1]` the number of rows, ...
    public let shape: [Int]
    public let type: GGMLType
    /// Byte offset from the start of the data section.
    public let offset: Int
    public let elementCount: Int
    public let byteCount: Int

    public var rowLength: Int { shape.first ?? 1 }
    public var rowCount: Int { shape.count > 1 ? elementCount / max(rowLength, 1) : 1 }

    /// Validates the shape: at most 4 dimensions, none negative, a whole number of blocks per row, no overflow.
    public init(name: String, shape: [Int], type: GGMLType, offset: Int) throws(GGUFError) {
        guard (1...4).contains(shape.count) else {
            throw .badShape(tensor: name, reason: "\(shape.count) dimensions (1 to 4 allowed)")
        }
        var count = 1
        for dim in shape {
            guard dim >= 0 else { throw .badShape(tensor: name, reason: "negative dimension \(dim)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= 1 << 40 else {
                throw .badShape(tensor: name, reason: "element count overflows")
            }
            count = product
        }
        guard shape[0] % type.blockSize == 0 else {
            throw .badShape(tensor: name, reason: "row length \(shape[0]) is not a multiple of \(type.name)'s block size \(type.blockSize)")
        }
        guard let bytes = type.byteCount(forElements: count) else {
            throw .badShape(tensor: name, reason: "byte size overflows")
        }
        self.name = name
        self.shape = shape
        self.type = type
        self.offset = offset
        self.elementCount = count
        self.byteCount = bytes
    }
}
