/// One metadata value. Arrays may nest, as the format allows.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), array([GGUFValue])
    case uint64(UInt64), int64(Int64), float64(Double)

    /// The type code written in the file.
    public var typeCode: UInt32 {
        switch self {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }

    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): b
        default: int.map { $0 != 0 }
        }
    }

    public var array: [GGUFValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}

extension GGUFValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .array(let a):
            let head = a.prefix(8).map(\.description).joined(separator: ", ")
            return a.count > 8 ? "[\(head), ... (\(a.count) items)]" : "[\(head)]"
        case .bool(let b): return String(b)
        case .float32(let f): return String(f)
        case .float64(let d): return String(d)
        default: return String(int ?? 0)
        }
    }
}
