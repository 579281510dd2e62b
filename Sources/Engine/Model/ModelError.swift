import GGUF

/// Why a GGUF file cannot be run as a model: each case names the key or tensor at fault.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case file(GGUFError)
    case unsupportedArchitecture(String?)
    case missingKey(String)
    case badValue(key: String, reason: String)
    case missingTensor(String)
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    case unsupportedTensorType(tensor: String, type: String)
    case inconsistent(String)
    /// The kernels asked for (`DISTILLERY_KERNELS`) cannot run on this CPU.
    case unavailableKernels(String)

    public var description: String {
        switch self {
        case .file(let error): "\(error)"
        case .unsupportedArchitecture(let name):
            "unsupported architecture \(name.map { "'\($0)'" } ?? "(general.architecture is missing)") (supported: llama, gemma3)"
        case .missingKey(let key): "metadata key '\(key)' is missing"
        case .badValue(let key, let reason): "metadata key '\(key)' is invalid: \(reason)"
        case .missingTensor(let name): "tensor '\(name)' is missing"
        case .shapeMismatch(let name, let expected, let found):
            "tensor '\(name)' has shape \(found), expected \(expected) (ggml order, row length first)"
        case .unsupportedTensorType(let name, let type): "tensor '\(name)' has unsupported type \(type)"
        case .inconsistent(let reason): "inconsistent model: \(reason)"
        case .unavailableKernels(let reason): reason
        }
    }
}

/// Bad input to a forward pass or the generator, reported instead of crashing.
public enum InferenceError: Error, Equatable, CustomStringConvertible {
    case tokenOutOfRange(token: Int32, vocabularySize: Int)
    case contextFull(position: Int, contextLength: Int)
    case emptyBatch
    case stateMismatch(String)

    public var description: String {
        switch self {
        case .tokenOutOfRange(let token, let size): "token id \(token) is outside the vocabulary (0..<\(size))"
        case .contextFull(let position, let length): "position \(position) is past the context length \(length)"
        case .emptyBatch: "the batch holds no tokens"
        case .stateMismatch(let reason): "the inference state does not fit this model: \(reason)"
        }
    }
}
