import GGUF
import Kernels
import Tensors

/// Loads named tensors from a GGUF file as dequantized f32, checking each against its expected shape.
struct WeightLoader {
    let file: GGUFFile
    /// Keep each quantized matrix's file blocks beside its f32 values (for `Numerics.ggml`).
    var keepsFileBlocks = false

    /// `shape` in ggml order: `[row length, rows]` for a matrix, `[n]` for a vector.
    func load(_ name: String, shape: [Int]) throws(ModelError) -> FloatBuffer {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        try check(info, shape: shape)
        let weights = FloatBuffer(count: info.elementCount)
        do {
            try Quantization.dequantize(file.bytes(of: info), type: info.type,
                                        into: UnsafeMutableBufferPointer(start: weights.pointer, count: weights.count))
        } catch .unsupportedTensorType(let type, _) {
            throw .unsupportedTensorType(tensor: name, type: type.name)
        } catch {
            throw .file(error)
        }
        return weights
    }

    /// A weight matrix W[D, N] (ggml shape [N, D]).
    func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> Matrix {
        let values = try load(name, shape: [columns, rows])
        let info = file.tensor(named: name)!
        var matrix = Matrix(values: values, rows: rows, columns: columns, fileType: info.type)
        if keepsFileBlocks && info.type != .f32 { matrix.fileBlocks = Array(file.bytes(of: info)) }
        return matrix
    }

    func check(_ info: GGUFTensorInfo, shape: [Int]) throws(ModelError) {
        // ggml writes trailing dimensions of 1 in some files; they do not change the layout.
        var found = info.shape
        while found.count > shape.count, found.last == 1 { found.removeLast() }
        guard found == shape else { throw .shapeMismatch(tensor: info.name, expected: shape, found: info.shape) }
    }
}
