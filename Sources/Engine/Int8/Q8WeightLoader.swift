import GGUF
import Kernels
import Tensors

/// Loads weight matrices for the int8 engine: Q8_0 tensors are repacked straight from the mapped file,
/// anything else is dequantized and requantized to Q8_0 only when the caller asked for it.
struct Q8WeightLoader {
    let file: GGUFFile
    let quantize: Bool

    /// W (N rows, K columns), ggml shape [K, N].
    func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> Q8Matrix {
        guard let info = file.tensor(named: name) else { throw .missingTensor(name) }
        try WeightLoader(file: file).check(info, shape: [columns, rows])
        if info.type == .q8_0 {
            return try kernelCall(name) { () throws(KernelError) in
                try Q8Matrix(q8_0: file.bytes(of: info), rows: rows, columns: columns)
            }
        }
        guard quantize else {
            throw .unsupportedTensorType(
                tensor: name, type: "\(info.type.name) (the int8 engine runs Q8_0 weights; quantize at load to convert)")
        }
        let values: [Float]
        do {
            values = try file.floats(of: info)
        } catch .unsupportedTensorType(let type, _) {
            throw .unsupportedTensorType(tensor: name, type: type.name)
        } catch {
            throw .file(error)
        }
        return try kernelCall(name) { () throws(KernelError) in
            try values.withUnsafeBufferPointer { (values) throws(KernelError) in
                try Self.requantized(file.bytes(of: info), type: info.type, values: values, rows: rows, columns: columns)
            }
        }
    }

    /// A matrix of another type as Q8_0: Q5_0 exactly (the same scale, q - 16), anything else requantized
    /// from its f32 `values`, as `llama-quantize` would.
    static func requantized(_ raw: UnsafeRawBufferPointer, type: GGMLType, values: UnsafeBufferPointer<Float>,
                            rows: Int, columns: Int) throws(KernelError) -> Q8Matrix {
        guard type == .q5_0 else { return try Q8Matrix(float: values, rows: rows, columns: columns) }
        let blocks = rows * columns / 32
        var q8_0 = [UInt8](repeating: 0, count: blocks * Q8Matrix.bytesPerBlock)
        for block in 0..<blocks {
            let from = block * 22, to = block * Q8Matrix.bytesPerBlock
            q8_0[to] = raw[from]                // the same f16 scale
            q8_0[to + 1] = raw[from + 1]
            let d = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: from, as: UInt16.self)))
            for j in 0..<32 {
                // exact: the dequantized value is d * (q - 16)
                q8_0[to + 2 + j] = UInt8(bitPattern: Int8(d == 0 ? 0 : values[block * 32 + j] / d))
            }
        }
        let matrix = q8_0.withUnsafeBytes { bytes in
            Result { () throws(KernelError) in try Q8Matrix(q8_0: bytes, rows: rows, columns: columns) }
        }
        return try matrix.get()
    }

    /// A vector of norm weights, as f32.
    func vector(_ name: String, count: Int) throws(ModelError) -> FloatBuffer {
        try WeightLoader(file: file).load(name, shape: [count])
    }

    /// The same for a norm a family may leave out: nil when the file has no such tensor.
    func optionalVector(_ name: String, count: Int) throws(ModelError) -> FloatBuffer? {
        file.tensor(named: name) == nil ? nil : try vector(name, count: count)
    }

    private func kernelCall<T>(_ name: String, _ body: () throws(KernelError) -> T) throws(ModelError) -> T {
        do {
            return try body()
        } catch {
            throw .inconsistent("tensor '\(name)': \(error)")
        }
    }
}
