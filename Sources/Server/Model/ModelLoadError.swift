import Engine
import GGUF
import HTTP
import Tokenizer

/// Why a file cannot be served. Every refusal leaves the current model serving.
public enum ModelLoadError: Error, Equatable, CustomStringConvertible, APIErrorConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case invalidGGUF(path: String, GGUFError)
    /// The server only serves llama and gemma3 students, the families the int8 engine runs (DESIGN.md, decision 2).
    case unsupportedArchitecture(String?)
    case tooLarge(parameters: Int, limit: Int)
    case notInt8(tensor: String, type: String)
    case cannotQuantize(tensor: String, reason: String)
    case missingTokenizer(TokenizerError)
    case vocabularyMismatch(tokenizer: Int, model: Int)
    case invalidModel(ModelError)
    case smokeTestFailed(String)
    case evaluationFailed(String)
    case qualityRegressed(bitsPerByte: Double, limit: Double)

    public var description: String {
        switch self {
        case .fileNotFound(let path): "model file not found: \(path)"
        case .unreadable(let path, let reason): "cannot read model file \(path): \(reason)"
        case .invalidGGUF(let path, let error): "\(path) is not a valid GGUF file: \(error)"
        case .unsupportedArchitecture(let name):
            "only llama and gemma3 students can be served, this file is \(name.map { "'\($0)'" } ?? "of unknown architecture") (a teacher is never served)"
        case .tooLarge(let parameters, let limit):
            "the model has \(parameters) parameters, over the limit of \(limit) (--max-params); the server only serves compact students"
        case .notInt8(let tensor, let type):
            "the model is not int8: tensor '\(tensor)' is \(type) (serve Q8_0 students, or pass --quantize for f32/f16 weights)"
        case .cannotQuantize(let tensor, let reason): "cannot quantize tensor '\(tensor)' to Q8_0: \(reason)"
        case .missingTokenizer(let error): "the file has no usable tokenizer: \(error)"
        case .vocabularyMismatch(let tokenizer, let model):
            "the tokenizer has \(tokenizer) tokens but the model's embedding has \(model) rows"
        case .invalidModel(let error): "the model cannot be loaded: \(error)"
        case .smokeTestFailed(let reason): "the smoke test forward pass failed: \(reason)"
        case .evaluationFailed(let reason): "the quality evaluation could not run: \(reason)"
        case .qualityRegressed(let bpb, let limit):
            "held-out quality regressed: \(bpb) bits per byte, over the limit of \(limit)"
        }
    }

    /// A short machine-readable reason.
    public var code: String {
        switch self {
        case .fileNotFound: "model_file_not_found"
        case .unreadable: "model_file_unreadable"
        case .invalidGGUF: "invalid_gguf"
        case .unsupportedArchitecture: "unsupported_architecture"
        case .tooLarge: "model_too_large"
        case .notInt8: "model_not_int8"
        case .cannotQuantize: "cannot_quantize"
        case .missingTokenizer: "missing_tokenizer"
        case .vocabularyMismatch: "vocabulary_mismatch"
        case .invalidModel: "invalid_model"
        case .smokeTestFailed: "smoke_test_failed"
        case .evaluationFailed: "evaluation_failed"
        case .qualityRegressed: "quality_regressed"
        }
    }

    /// A file that cannot be read is a bad request; a file that reads but is refused is unprocessable.
    public var apiError: APIError {
        let status: HTTPStatus = switch self {
        case .fileNotFound, .unreadable: .badRequest
        default: .unprocessableContent
        }
        return APIError(status: status, message: "Model refused: \(description).", type: "invalid_request_error",
                        param: "model", code: code)
    }
}
