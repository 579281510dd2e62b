#if canImport(Glibc)
import Glibc
#endif

/// The element-wise and reduction steps of the forward pass, llama2.c style: outputs first, then inputs, then sizes.
enum Ops {
    /// In place, numerically stable.
    static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var maxValue = -Float.infinity
        for i in 0..<n { maxValue = max(maxValue, x[i]) }
        var sum: Float = 0
        for i in 0..<n {
            x[i] = expf(x[i] - maxValue)
            sum += x[i]
        }
        let inverse = 1 / sum
        for i in 0..<n { x[i] *= inverse }
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var sum: Float = 0
        for i in 0..<n { sum += a[i] * b[i] }
        return sum
    }

    /// out[n] += x[n]
    static func add(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] += x[i] }
    }

    /// out[n] += a * x[n]
    static func addScaled(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ a: Float, _ n: Int) {
        for i in 0..<n { out[i] += a * x[i] }
    }

    static func scale(_ x: UnsafeMutablePointer<Float>, _ a: Float, _ n: Int) {
        for i in 0..<n { x[i] *= a }
    }

    /// gate[n] = silu(gate) * up: LLaMA's SwiGLU.
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// gate[n] = gelu(gate) * up, with the tanh approximation of GELU: Gemma's GeGLU.
    static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { gate[i] = gelu(gate[i]) * up[i] }
    }

    /// 0.5 x (1 + tanh(z)) with z = sqrt(2/pi) (x + 0.044715 x³), written as x sigmoid(2z): one expf, not a tanhf.
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        let twoSqrtTwoOverPi: Float = 1.595_769_1
        return x / (1 + expf(-twoSqrtTwoOverPi * x * (1 + 0.044_715 * x * x)))
    }
}
