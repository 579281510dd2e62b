/// Everything that can be wrong with a GGUF file, each case naming the problem.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(at: Int, needed: Int, what: String)
    case absurdCount(what: String, count: UInt64)
    case badString(at: Int)
    case unknownValueType(UInt32, key: String)
    case nestingTooDeep(key: String)
    case duplicateKey(String)
    case duplicateTensor(String)
    case unknownTensorType(UInt32, tensor: String)
    case badShape(tensor: String, reason: String)
    case badAlignment(Int)
    case tensorOutOfBounds(tensor: String, offset: Int, size: Int, fileSize: Int)
    case misalignedTensor(tensor: String, offset: Int, alignment: Int)
    case missingTensor(String)
    case missingKey(String)
    case unsupportedTensorType(GGMLType, operation: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .badMagic(let found): "not a GGUF file (magic 0x\(String(found, radix: 16)), expected 0x46554747 'GGUF')"
        case .unsupportedVersion(let v): "unsupported GGUF version \(v) (supported: 2 and 3)"
        case .truncated(let at, let needed, let what):
            "file is truncated: \(what) needs \(needed) bytes at offset \(at), past the end of the file"
        case .absurdCount(let what, let count): "implausible \(what): \(count)"
        case .badString(let at): "string at offset \(at) is not valid UTF-8"
        case .unknownValueType(let t, let key): "metadata key '\(key)' has unknown value type \(t)"
        case .nestingTooDeep(let key): "metadata key '\(key)' nests arrays too deeply"
        case .duplicateKey(let key): "metadata key '\(key)' appears twice"
        case .duplicateTensor(let name): "tensor '\(name)' appears twice"
        case .unknownTensorType(let t, let name): "tensor '\(name)' has unknown type \(t)"
        case .badShape(let name, let reason): "tensor '\(name)' has a bad shape: \(reason)"
        case .badAlignment(let a): "general.alignment \(a) is not a positive power of two"
        case .tensorOutOfBounds(let name, let offset, let size, let fileSize):
            "tensor '\(name)' (\(size) bytes at data offset \(offset)) runs past the end of the file (\(fileSize) bytes)"
        case .misalignedTensor(let name, let offset, let alignment):
            "tensor '\(name)' offset \(offset) is not a multiple of the alignment \(alignment)"
        case .missingTensor(let name): "tensor '\(name)' is missing"
        case .missingKey(let key): "metadata key '\(key)' is missing"
        case .unsupportedTensorType(let type, let operation): "\(operation) does not support tensor type \(type.name)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
