import Tensors
#if canImport(Glibc)
import Glibc
#endif

/// Builds a GGUF v3 file: metadata in insertion order, then tensors aligned to `alignment`.
/// `write(to:)` goes through a temporary file and a rename, so a reader never sees half a file.
public struct GGUFWriter {
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    public private(set) var tensors: [(info: GGUFTensorInfo, data: [UInt8])] = []
    public let alignment: Int
    private var dataSize = 0

    public init(alignment: Int = GGUFFile.defaultAlignment) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0)
        self.alignment = alignment
        if alignment != GGUFFile.defaultAlignment { metadata.append(("general.alignment", .uint32(UInt32(alignment)))) }
    }

    /// Sets a key, replacing an earlier value in place.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) {
            metadata[i].value = value
        } else {
            metadata.append((key, value))
        }
    }

    /// Adds a tensor whose `data` is already in `type`'s block format.
    public mutating func addTensor(name: String, shape: [Int], type: GGMLType, data: [UInt8]) throws(GGUFError) {
        guard !tensors.contains(where: { $0.info.name == name }) else { throw .duplicateTensor(name) }
        let info = try GGUFTensorInfo(name: name, shape: shape, type: type, offset: dataSize)
        guard info.byteCount == data.count else {
            throw .badShape(tensor: name, reason: "\(data.count) bytes given, \(info.byteCount) expected")
        }
        tensors.append((info, data))
        dataSize = Self.align(dataSize + data.count, alignment)
    }

    /// Adds an f32 tensor, stored as f32 or quantized to Q8_0.
    public mutating func addTensor(name: String, shape: [Int], floats: [Float], as type: GGMLType = .f32) throws(GGUFError) {
        let data: [UInt8]
        switch type {
        case .f32: data = floats.withUnsafeBytes { Array($0) }
        case .f16: data = floats.flatMap { v -> [UInt8] in
            let h = Quantization.floatToHalf(v)
            return [UInt8(truncatingIfNeeded: h), UInt8(truncatingIfNeeded: h >> 8)]
        }
        case .bf16: data = floats.flatMap { v -> [UInt8] in
            let h = Quantization.floatToBF16(v)
            return [UInt8(truncatingIfNeeded: h), UInt8(truncatingIfNeeded: h >> 8)]
        }
        case .q8_0:
            guard (shape.first ?? 0) % 32 == 0 else {
                throw .badShape(tensor: name, reason: "row length \(shape.first ?? 0) is not a multiple of 32 for Q8_0")
            }
            data = Quantization.quantizeQ8_0(floats)
        default: throw .unsupportedTensorType(type, operation: "writing")
        }
        try addTensor(name: name, shape: shape, type: type, data: data)
    }

    static func align(_ n: Int, _ alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// The whole file as bytes.
    public func serialized() -> [UInt8] {
        var out = ByteWriter()
        out.put(GGUFFile.magic)
        out.put(UInt32(3))
        out.put(UInt64(tensors.count))
        out.put(UInt64(metadata.count))
        for (key, value) in metadata {
            out.putString(key)
            out.put(value.typeCode)
            out.putValue(value)
        }
        for (info, _) in tensors {
            out.putString(info.name)
            out.put(UInt32(info.shape.count))
            for dim in info.shape { out.put(UInt64(dim)) }
            out.put(info.type.rawValue)
            out.put(UInt64(info.offset))
        }
        out.pad(to: alignment)
        for (_, data) in tensors {
            out.bytes.append(contentsOf: data)
            out.pad(to: alignment)
        }
        return out.bytes
    }

    public func write(to path: String) throws(GGUFError) {
        do { try AtomicFile.write(serialized(), to: path) } catch {
            throw .writeFailed(path: path, reason: error.reason)
        }
    }
}

/// Little-endian serialization of GGUF's primitive values.
package struct ByteWriter {
    package init() {}
    package var bytes: [UInt8] = []

    package mutating func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func putString(_ s: String) {
        put(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    package mutating func pad(to alignment: Int) {
        bytes.append(contentsOf: repeatElement(0, count: GGUFWriter.align(bytes.count, alignment) - bytes.count))
    }

    package mutating func putValue(_ value: GGUFValue) {
        switch value {
        case .uint8(let v): put(v)
        case .int8(let v): put(v)
        case .uint16(let v): put(v)
        case .int16(let v): put(v)
        case .uint32(let v): put(v)
        case .int32(let v): put(v)
        case .float32(let v): put(v.bitPattern)
        case .bool(let v): put(UInt8(v ? 1 : 0))
        case .string(let s): putString(s)
        case .uint64(let v): put(v)
        case .int64(let v): put(v)
        case .float64(let v): put(v.bitPattern)
        case .array(let items):
            // An empty array has no element to take the type from; GGUF readers accept any type there.
            put(items.first?.typeCode ?? 4)
            put(UInt64(items.count))
            for item in items { putValue(item) }
        }
    }
}
