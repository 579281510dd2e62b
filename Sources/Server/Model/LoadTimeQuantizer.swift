import GGUF

/// `--quantize`: rewrites a float student as Q8_0 in memory, exactly as `distillery quantize` would write it,
/// so the served numbers are the int8 model's. Vectors (norms) stay as they are.
enum LoadTimeQuantizer {
    static func quantized(_ file: GGUFFile) throws(ModelLoadError) -> GGUFFile {
        var writer = GGUFWriter(alignment: file.alignment)
        for key in file.metadataKeys { writer.set(key, file.metadata[key]!) }
        // llama.cpp's LLAMA_FTYPE_MOSTLY_Q8_0
        writer.set("general.file_type", .uint32(7))
        do {
            for tensor in file.tensors {
                let isFloat = tensor.type == .f32 || tensor.type == .f16 || tensor.type == .bf16
                let isMatrix = tensor.shape.filter { $0 > 1 }.count >= 2
                if isFloat && isMatrix {
                    guard tensor.shape[0] % GGMLType.q8_0.blockSize == 0 else {
                        throw ModelLoadError.cannotQuantize(tensor: tensor.name,
                                                            reason: "row length \(tensor.shape[0]) is not a multiple of 32")
                    }
                    try writer.addTensor(name: tensor.name, shape: tensor.shape, floats: file.floats(of: tensor), as: .q8_0)
                } else {
                    try writer.addTensor(name: tensor.name, shape: tensor.shape, type: tensor.type,
                                         data: Array(file.bytes(of: tensor)))
                }
            }
            return try GGUFFile(mapped: MappedFile(contents: writer.serialized(), name: file.path))
        } catch let error as ModelLoadError {
            throw error
        } catch {
            throw .cannotQuantize(tensor: "(file)", reason: "\(error)")
        }
    }
}
