import Kernels
import XCTest

final class HalfRoundingTests: XCTestCase {
    /// The integer rounding equals the library's f32 -> f16 -> f32 on every value that matters: ties, the
    /// edges of f16's normal range, subnormals, overflow, and a sweep of bit patterns.
    func testRoundingToHalfEqualsTheLibraryConversion() {
        var values: [Float] = [0, -0, 1, -1, 65504, 65519.99, 65520, 70000, 6.1035156e-05, 6.1035152e-05, 1e-8, 3e-5,
                               .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        // exact ties between two f16 values, in both rounding directions
        values += [1 + 1 / 2048, 1 + 3 / 2048, 1024 + 0.5, 1024 + 1.5, 0.5 + 1 / 4096]
        for bits in stride(from: UInt32(0), to: 0x8000_0000, by: 4_099) { values.append(Float(bitPattern: bits)) }
        for x in values where !x.isNaN {
            for v in [x, -x] {
                XCTAssertEqual(Q8Activations.roundedToHalf(v).bitPattern, Float(Float16(v)).bitPattern, "\(v)")
            }
        }
    }
}
