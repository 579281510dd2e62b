#if canImport(Glibc)
import Glibc
#endif

/// xoshiro256** (Blackman and Vigna) seeded through SplitMix64: small, fast, and the same stream for the same
/// seed on every machine. Its whole state is four words, so a training checkpoint can store it and a resumed
/// run draws exactly the numbers the uninterrupted run would.
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds the four words through SplitMix64, as the authors recommend, so nearby seeds diverge at once.
    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public init(state: (UInt64, UInt64, UInt64, UInt64)) { self.state = state }

    public static func == (a: Self, b: Self) -> Bool {
        a.state.0 == b.state.0 && a.state.1 == b.state.1 && a.state.2 == b.state.2 && a.state.3 == b.state.3
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// Uniform in [0, 1) from the top 24 bits, exactly representable as a Float.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1 / Float(1 << 24))
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Standard normal by Box-Muller, for weight initialization; one draw per call keeps the sequence simple
    /// to reproduce.
    public mutating func nextNormal() -> Float {
        let u1 = Double((next() >> 11) + 1) * 0x1p-53  // (0, 1]: log never sees 0
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
