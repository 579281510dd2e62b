import XCTest
import Kernels

/// A seeded generator (SplitMix64), so a failing shape reproduces.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// ggml Q8_0 bytes for `rows` rows of `columns` values: per block an f16 scale then 32 int8.
func ggmlQ8Bytes(rows: Int, columns: Int, using rng: inout SeededGenerator) -> [UInt8] {
    var bytes: [UInt8] = []
    for _ in 0..<rows * columns / 32 {
        let d = Float16(Float.random(in: 0.001...0.05, using: &rng))
        withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes += $0 }
        for _ in 0..<32 { bytes.append(UInt8(bitPattern: Int8.random(in: -128...127, using: &rng))) }
    }
    return bytes
}

/// Fails with the first index where |a - b| > absolute + relative * max(|a|, |b|).
func assertClose(
    _ actual: [Float], _ expected: [Float], absolute: Float = 1e-5, relative: Float = 1e-5,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "count " + message(), file: file, line: line)
    for i in 0..<min(actual.count, expected.count) {
        let a = actual[i], b = expected[i]
        let tolerance = absolute + relative * max(abs(a), abs(b))
        if !(abs(a - b) <= tolerance) {
            XCTFail("[\(i)] \(a) vs \(b) (tolerance \(tolerance)) " + message(), file: file, line: line)
            return
        }
    }
}

func makeMatrix(rows: Int, columns: Int, using rng: inout SeededGenerator) -> Q8Matrix {
    let bytes = ggmlQ8Bytes(rows: rows, columns: columns, using: &rng)
    return bytes.withUnsafeBytes { try! Q8Matrix(q8_0: $0, rows: rows, columns: columns) }
}

/// `correctedFrom`: the first row that carries the correction term (none by default).
func makeActivations(_ x: [Float], rows: Int, columns: Int, correctedFrom: Int? = nil,
                     halfScales: Bool = false) -> Q8Activations {
    let activations = try! Q8Activations(capacity: rows, columns: columns, halfScales: halfScales,
                                         corrections: correctedFrom != nil)
    if let correctedFrom { activations.correctedFrom = correctedFrom }
    x.withUnsafeBufferPointer { activations.quantize($0.baseAddress!, rows: rows) }
    return activations
}
