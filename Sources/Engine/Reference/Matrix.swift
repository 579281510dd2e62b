import GGUF
import Tensors

/// A weight matrix dequantized to f32, with the type its file stored it in (and, when asked, the file's own
/// blocks, which `LlamaCppArithmetic` multiplies as llama.cpp does).
struct Matrix {
    let values: FloatBuffer                  // [D, N] row-major
    let rows: Int                            // D
    let columns: Int                         // N
    let fileType: GGMLType
    var fileBlocks: [UInt8]? = nil

    var pointer: UnsafeMutablePointer<Float> { values.pointer }
}
