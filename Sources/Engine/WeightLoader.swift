import GGUF
import Kernels

/// Loads named tensors from a GGUF file as dequantized f32, checking each against its expected shape.
struct WeightLoader {
    let file: GGUFFile
    /// Keep Q4_K and Q6_K blocks beside the f32 values (for `Numerics.ggml`).
    var keepsKQuantBlocks = false
    /// Requantize every matrix to Q8_0 beside its f32 values (for `Numerics.int8`).
    var makesInt8Twins = false

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
        var matrix = Matrix(values: values, rows: rows, columns: columns,
                            inputRounding: ActivationRounding(weightType: info.type))
        if keepsKQuantBlocks && (info.type == .q4_K || info.type == .q6_K) {
            matrix.kQuantBlocks = (info.type, Array(file.bytes(of: info)))
        }
        if makesInt8Twins {
            do {
                matrix.int8 = try int8Twin(info, values: values, rows: rows, columns: columns)
            } catch {
                throw .inconsistent("tensor '\(name)' cannot run on the int8 kernels: \(error)")
            }
        }
        return matrix
    }

    /// Q8_0 as it is; Q5_0 exactly (the same scale, q - 16); anything else requantized from its f32 values.
    private func int8Twin(_ info: GGUFTensorInfo, values: FloatBuffer, rows: Int, columns: Int) throws -> Q8Matrix {
        let raw = file.bytes(of: info)
        switch info.type {
        case .q8_0:
            return try Q8Matrix(q8_0: raw, rows: rows, columns: columns)
        case .q5_0:
            let blocks = rows * columns / 32
            var q8_0 = [UInt8](repeating: 0, count: blocks * Q8Matrix.bytesPerBlock)
            for block in 0..<blocks {
                let from = block * 22, to = block * Q8Matrix.bytesPerBlock
                q8_0[to] = raw[from]                // the same f16 scale
                q8_0[to + 1] = raw[from + 1]
                let d = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: from, as: UInt16.self)))
                for j in 0..<32 {
                    // exact: the dequantized value is d * (q - 16)
                    q8_0[to + 2 + j] = UInt8(bitPattern: Int8(d == 0 ? 0 : values.pointer[block * 32 + j] / d))
                }
            }
            return try q8_0.withUnsafeBytes { try Q8Matrix(q8_0: $0, rows: rows, columns: columns) }
        default:
            return try Q8Matrix(float: UnsafeBufferPointer(start: values.pointer, count: values.count), rows: rows,
                                columns: columns)
        }
    }

    func check(_ info: GGUFTensorInfo, shape: [Int]) throws(ModelError) {
        // ggml writes trailing dimensions of 1 in some files; they do not change the layout.
        var found = info.shape
        while found.count > shape.count, found.last == 1 { found.removeLast() }
        guard found == shape else { throw .shapeMismatch(tensor: info.name, expected: shape, found: info.shape) }
    }
}
