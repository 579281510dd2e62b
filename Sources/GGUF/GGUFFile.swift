/// A GGUF v2/v3 file, memory-mapped and parsed. Metadata is decoded eagerly; tensor data stays in the map.
/// Every offset and count in the file is checked before use, so a hostile file gives a `GGUFError`.
public final class GGUFFile: Sendable {
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" read little-endian
    public static let defaultAlignment = 32

    public let path: String
    public let version: UInt32
    /// Keys in file order, for printing; `metadata` for look-up.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Where the data section starts in the file.
    public let dataOffset: Int
    private let file: MappedFile
    private let tensorIndex: [String: Int]

    public convenience init(path: String) throws(GGUFError) {
        try self.init(mapped: try MappedFile(path: path))
    }

    public init(mapped: MappedFile) throws(GGUFError) {
        file = mapped
        path = mapped.path
        var reader = ByteReader(mapped.bytes)
        let magic = try reader.read(UInt32.self, "magic")
        guard magic == Self.magic else { throw .badMagic(found: magic) }
        version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        // A tensor info takes at least 8 (name) + 4 (dims) + 8 (one dim) + 4 + 8 bytes; a key-value at least 12.
        let tensorCount = try reader.readCount("tensor count", minBytesEach: 32)
        let keyCount = try reader.readCount("metadata key count", minBytesEach: 12)

        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        for _ in 0..<keyCount {
            let key = try reader.readString("metadata key")
            let type = try reader.read(UInt32.self, "type of '\(key)'")
            let value = try Self.readValue(&reader, type: type, key: key, depth: 0)
            guard values.updateValue(value, forKey: key) == nil else { throw .duplicateKey(key) }
            keys.append(key)
        }
        metadataKeys = keys
        metadata = values

        let alignment = values["general.alignment"]?.int ?? Self.defaultAlignment
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= 1 << 20 else {
            throw .badAlignment(alignment)
        }
        self.alignment = alignment

        var infos: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        infos.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try reader.readString("tensor name")
            let dimCount = try reader.read(UInt32.self, "dimension count of '\(name)'")
            guard (1...4).contains(dimCount) else {
                throw .badShape(tensor: name, reason: "\(dimCount) dimensions (1 to 4 allowed)")
            }
            var shape: [Int] = []
            for _ in 0..<dimCount {
                let dim = try reader.read(UInt64.self, "dimension of '\(name)'")
                guard dim <= UInt64(Int32.max) else { throw .badShape(tensor: name, reason: "dimension \(dim) is absurd") }
                shape.append(Int(dim))
            }
            let rawType = try reader.read(UInt32.self, "type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else { throw .unknownTensorType(rawType, tensor: name) }
            let offset = try reader.read(UInt64.self, "offset of '\(name)'")
            guard offset <= UInt64(mapped.bytes.count) else {
                throw .tensorOutOfBounds(tensor: name, offset: Int(clamping: offset), size: 0, fileSize: mapped.bytes.count)
            }
            let info = try GGUFTensorInfo(name: name, shape: shape, type: type, offset: Int(offset))
            guard info.offset % alignment == 0 else {
                throw .misalignedTensor(tensor: name, offset: info.offset, alignment: alignment)
            }
            guard index.updateValue(infos.count, forKey: name) == nil else { throw .duplicateTensor(name) }
            infos.append(info)
        }

        let headerEnd = reader.offset
        let dataStart = (headerEnd + alignment - 1) / alignment * alignment
        if !infos.isEmpty { try reader.skip(to: dataStart, "padding before the tensor data") }
        dataOffset = dataStart
        for info in infos {
            let (end, overflow) = (dataStart + info.offset).addingReportingOverflow(info.byteCount)
            guard !overflow, end <= mapped.bytes.count else {
                throw .tensorOutOfBounds(tensor: info.name, offset: info.offset, size: info.byteCount,
                                         fileSize: mapped.bytes.count)
            }
        }
        tensors = infos
        tensorIndex = index
    }

    private static func readValue(_ reader: inout ByteReader, type: UInt32, key: String,
                                  depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try reader.read(UInt8.self, key))
        case 1: return .int8(try reader.read(Int8.self, key))
        case 2: return .uint16(try reader.read(UInt16.self, key))
        case 3: return .int16(try reader.read(Int16.self, key))
        case 4: return .uint32(try reader.read(UInt32.self, key))
        case 5: return .int32(try reader.read(Int32.self, key))
        case 6: return .float32(try reader.readFloat(key))
        case 7: return .bool(try reader.read(UInt8.self, key) != 0)
        case 8: return .string(try reader.readString(key))
        case 9:
            guard depth < 8 else { throw .nestingTooDeep(key: key) }
            let elementType = try reader.read(UInt32.self, "array type of '\(key)'")
            let count = try reader.readCount("length of array '\(key)'", minBytesEach: minimumSize(of: elementType))
            var items: [GGUFValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                items.append(try readValue(&reader, type: elementType, key: key, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try reader.read(UInt64.self, key))
        case 11: return .int64(try reader.read(Int64.self, key))
        case 12: return .float64(try reader.readDouble(key))
        default: throw .unknownValueType(type, key: key)
        }
    }

    private static func minimumSize(of valueType: UInt32) -> Int {
        switch valueType {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: 1
        }
    }
}

extension GGUFFile {
    public var architecture: String? { metadata["general.architecture"]?.string }
    public var fileSize: Int { file.bytes.count }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    public func requireTensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let info = tensor(named: name) else { throw .missingTensor(name) }
        return info
    }

    /// The tensor's raw blocks; valid as long as this file object lives.
    public func bytes(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[(dataOffset + info.offset)..<(dataOffset + info.offset + info.byteCount)])
    }

    /// The tensor dequantized to f32, row-major with `shape[0]` fastest.
    public func floats(of info: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        try Quantization.dequantize(bytes(of: info), type: info.type, count: info.elementCount)
    }

    public func floats(named name: String) throws(GGUFError) -> [Float] {
        try floats(of: requireTensor(name))
    }

    /// The sum of all tensors' element counts.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
}
