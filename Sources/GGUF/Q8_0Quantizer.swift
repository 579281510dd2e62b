/// What `llama-quantize FILE OUT Q8_0` does to a float model: every f32, f16 or bf16 matrix becomes Q8_0 (one
/// f16 scale per 32 values, ggml's block layout), while vectors (norms) and tensors already quantized are copied
/// as they are. The metadata is kept, with `general.file_type` set to llama.cpp's MOSTLY_Q8_0.
public enum Q8_0Quantizer {
    public struct Summary: Sendable, Equatable {
        /// Matrices converted to Q8_0, and tensors copied unchanged.
        public var quantized = 0, copied = 0
    }

    public static func quantize(_ file: GGUFFile) throws(GGUFError) -> (writer: GGUFWriter, summary: Summary) {
        var writer = GGUFWriter(alignment: file.alignment)
        for key in file.metadataKeys { writer.set(key, file.metadata[key]!) }
        writer.set("general.file_type", .uint32(7))  // LLAMA_FTYPE_MOSTLY_Q8_0
        var summary = Summary()
        for tensor in file.tensors {
            let isFloat = tensor.type == .f32 || tensor.type == .f16 || tensor.type == .bf16
            let isMatrix = tensor.shape.filter { $0 > 1 }.count >= 2
            if isFloat && isMatrix {
                guard tensor.shape[0] % GGMLType.q8_0.blockSize == 0 else {
                    throw .badShape(tensor: tensor.name, reason: "its row length \(tensor.shape[0]) is not a multiple "
                                    + "of \(GGMLType.q8_0.blockSize), the Q8_0 block, so it cannot be quantized")
                }
                try writer.addTensor(name: tensor.name, shape: tensor.shape, floats: file.floats(of: tensor), as: .q8_0)
                summary.quantized += 1
            } else {
                try writer.addTensor(name: tensor.name, shape: tensor.shape, type: tensor.type, data: Array(file.bytes(of: tensor)))
                summary.copied += 1
            }
        }
        return (writer, summary)
    }
}
