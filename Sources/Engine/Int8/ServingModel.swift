import GGUF

/// Loads the model the server and the CLI run a student with: a `llama` GGUF on the int8 engine.
/// Weight matrices must be Q8_0, unless `quantize` converts other types at load.
/// `threads` defaults to `Int8LlamaModel.defaultThreadCount`.
public func loadServingModel(file: GGUFFile, quantize: Bool = false, threads: Int? = nil) throws(ModelError) -> Int8LlamaModel {
    guard file.architecture == "llama" else { throw .unsupportedArchitecture(file.architecture) }
    return try Int8LlamaModel(file: file, quantize: quantize, threads: threads)
}

/// The same from a path.
public func loadServingModel(path: String, quantize: Bool = false, threads: Int? = nil) throws(ModelError) -> Int8LlamaModel {
    let file: GGUFFile
    do {
        file = try GGUFFile(path: path)
    } catch {
        throw .file(error)
    }
    return try loadServingModel(file: file, quantize: quantize, threads: threads)
}
