import Engine
import Foundation

extension SeededRandom {
    /// Standard normal by Box-Muller, for weight initialization; one draw per call keeps the sequence simple
    /// to reproduce.
    public mutating func nextNormal() -> Float {
        let u1 = Double((next() >> 11) + 1) * 0x1p-53  // (0, 1]: log never sees 0
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
