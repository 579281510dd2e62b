#if canImport(Glibc)
import Glibc
#endif

enum GELULikeGGML {
    /// gate[n] = gelu(gate) * up as ggml computes it: GELU looked up at the f16-rounded input, the result
    /// rounded to f16, the identity above 10 and zero below -10.
    static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let g = gate[i]
            let activated = g <= -10 ? 0 : g >= 10 ? g : ggmlGELUTable[Int(Float16(g).bitPattern)]
            gate[i] = activated * up[i]
        }
    }

    /// ggml's `ggml_table_gelu_f16`: GELU of every f16 value, with tanhf and the fused multiply-add GCC makes of
    /// `1 + 0.044715 x x`, rounded to f16.
    private static let ggmlGELUTable: [Float] = (0...UInt16.max).map { bits in
        let x = Float(Float16(bitPattern: bits))
        let inner = Float(1).addingProduct(0.044_715 * x, x)
        return Float(Float16(0.5 * x * (1 + tanhf(0.797_884_560_802_865_4 * x * inner))))
    }
}
