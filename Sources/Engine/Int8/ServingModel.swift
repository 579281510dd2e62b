import GGUF
import Kernels

/// Loads the model the server and the CLI run a student with: a `llama` or `gemma3` GGUF on the int8 engine.
/// Weight matrices must be Q8_0, unless `quantize` converts other types at load.
/// `threads` defaults to `Int8TransformerModel.defaultThreadCount`. The kernels are the fastest this CPU runs,
/// or those `DISTILLERY_KERNELS` names (an error if it names something this CPU cannot run).
public func loadServingModel(file: GGUFFile, quantize: Bool = false, threads: Int? = nil,
                             activations: ActivationPrecision = .correctedLogitRows) throws(ModelError) -> Int8TransformerModel {
    guard let name = file.architecture, ModelConfig.Architecture(rawValue: name) != nil else {
        throw .unsupportedArchitecture(file.architecture)
    }
    let path: KernelPath
    do {
        path = try KernelPath.fromEnvironment()
    } catch {
        throw .unavailableKernels(error.description)
    }
    return try Int8TransformerModel(file: file, quantize: quantize, threads: threads, kernelPath: path,
                              activations: activations)
}

/// The same from a path.
public func loadServingModel(path: String, quantize: Bool = false, threads: Int? = nil) throws(ModelError) -> Int8TransformerModel {
    let file: GGUFFile
    do {
        file = try GGUFFile(path: path)
    } catch {
        throw .file(error)
    }
    return try loadServingModel(file: file, quantize: quantize, threads: threads)
}
