import Foundation
import Kernels
import Tensors
import XCTest

final class RoPEAndAttentionTests: XCTestCase {
    func testRoPEMatchesNaiveForBothStyles() throws {
        var rng = SeededGenerator(seed: 40)
        for style in [RoPEStyle.adjacentPairs, .halves] {
            for (heads, headSize, dimensions) in [(4, 64, 64), (2, 48, 32), (1, 8, 8)] {
                let table = try RoPETable(maxPositions: 600, dimensions: dimensions, base: 10000, style: style)
                let tokens = 3, stride = heads * headSize + 5
                let x = rng.floats(tokens * stride)
                var fast = x, naive = x
                Kernel.rope(&fast, table, startPosition: 590, tokens: tokens, heads: heads, headSize: headSize, tokenStride: stride)
                NaiveKernel.rope(&naive, table, startPosition: 590, tokens: tokens, heads: heads, headSize: headSize, tokenStride: stride)
                assertClose(fast, naive, absolute: 2e-6, relative: 1e-5, "\(style) \(heads)x\(headSize) rot \(dimensions)")
                XCTAssertNotEqual(fast, x)
            }
        }
    }

    func testRoPEAdjacentPairsRotatesLikeLlamaCppMode0() throws {
        // Position 1, D = 4: pair 0 turns by 1 rad, pair 1 by 10000^(-1/2) = 0.01 rad.
        let table = try RoPETable(maxPositions: 2, dimensions: 4, base: 10000)
        var x: [Float] = [1, 0, 0, 1]
        Kernel.rope(&x, table, startPosition: 1, tokens: 1, heads: 1, headSize: 4)
        XCTAssertEqual(x, [Float(cos(1.0)), Float(sin(1.0)), Float(-sin(0.01)), Float(cos(0.01))], accuracy: 1e-6)
    }

    func testRoPETableRejectsOddDimensions() {
        XCTAssertThrowsError(try RoPETable(maxPositions: 4, dimensions: 7, base: 10000))
    }

    func testAttentionMatchesNaiveWithGQAStridesAndLongContexts() {
        var rng = SeededGenerator(seed: 41)
        let pool = ThreadPool(threadCount: 2)
        // (NH, NKV, HS, start, T): one query (decode), prefill from 0, several tiles of 64, odd head sizes;
        // groups of 3, 5 and 8 query heads per KV head (AVX2 serves up to 4 from one read of the cache).
        for (heads, kvHeads, headSize, start, tokens) in [(4, 4, 64, 0, 1), (4, 4, 64, 9, 1), (4, 2, 64, 0, 7),
                                                         (8, 2, 24, 130, 3), (2, 1, 13, 200, 1), (4, 4, 64, 0, 129),
                                                         (1, 1, 256, 70, 2), (2, 2, 40, 5, 2), (6, 2, 16, 0, 5),
                                                         (5, 1, 8, 63, 2), (8, 1, 256, 66, 3), (4, 4, 64, 60, 9),
                                                         (3, 3, 16, 0, 7), (2, 2, 32, 127, 6)] {
            let positions = start + tokens
            let cacheStride = kvHeads * headSize + 3, queryStride = heads * headSize + 1
            let keys = rng.floats(positions * cacheStride, in: -2...2), values = rng.floats(positions * cacheStride)
            let q = rng.floats(tokens * queryStride, in: -2...2)
            for (pool, path) in [nil, pool].flatMap({ p in KernelPath.supported.map { (p, $0) } }) {
                var fast = [Float](repeating: .nan, count: tokens * heads * headSize), naive = fast
                Kernel.attention(&fast, q, keys, values, startPosition: start, tokens: tokens, heads: heads,
                                 kvHeads: kvHeads, headSize: headSize, queryStride: queryStride,
                                 cacheStride: cacheStride, pool: pool, path: path)
                NaiveKernel.attention(&naive, q, keys, values, startPosition: start, tokens: tokens, heads: heads,
                                      kvHeads: kvHeads, headSize: headSize, queryStride: queryStride,
                                      cacheStride: cacheStride)
                assertClose(fast, naive, absolute: 1e-5, relative: 1e-4,
                            "\(path) NH \(heads) NKV \(kvHeads) HS \(headSize) start \(start) T \(tokens)")
            }
        }
    }

    /// A sliding window W: query t sees only positions start + t + 1 - W ... start + t, on every path, f32 and
    /// f16 caches, prefill rows that cross the window's edge and decode far past it.
    func testSlidingWindowAttentionMatchesNaive() {
        var rng = SeededGenerator(seed: 43)
        let pool = ThreadPool(threadCount: 2)
        for (heads, kvHeads, headSize, start, tokens, window) in [(4, 1, 256, 0, 9, 4), (4, 1, 256, 600, 1, 512),
                                                                  (2, 1, 32, 3, 20, 5), (8, 2, 64, 130, 3, 64)] {
            let positions = start + tokens, cacheStride = kvHeads * headSize
            let keys = rng.floats(positions * cacheStride, in: -2...2), values = rng.floats(positions * cacheStride)
            let q = rng.floats(tokens * heads * headSize, in: -2...2)
            var naive = [Float](repeating: 0, count: tokens * heads * headSize)
            NaiveKernel.attention(&naive, q, keys, values, startPosition: start, tokens: tokens, heads: heads,
                                  kvHeads: kvHeads, headSize: headSize, window: window)
            // the naive window is attention over the last W positions alone, for the last query
            var last = [Float](repeating: 0, count: heads * headSize)
            let first = positions - min(positions, window)
            NaiveKernel.attention(&last, Array(q[((tokens - 1) * heads * headSize)...]), Array(keys[(first * cacheStride)...]),
                                  Array(values[(first * cacheStride)...]), startPosition: positions - 1 - first, tokens: 1,
                                  heads: heads, kvHeads: kvHeads, headSize: headSize)
            assertClose(Array(naive[((tokens - 1) * heads * headSize)...]), last, absolute: 1e-6, relative: 1e-6, "naive")
            let halfKeys = keys.map { Float16($0) }, halfValues = values.map { Float16($0) }
            var halfNaive = naive
            NaiveKernel.attention(&halfNaive, q, halfKeys, halfValues, startPosition: start, tokens: tokens, heads: heads,
                                  kvHeads: kvHeads, headSize: headSize, window: window)
            for (pool, path) in [nil, pool].flatMap({ p in KernelPath.supported.map { (p, $0) } }) {
                let label = "\(path) HS \(headSize) start \(start) T \(tokens) W \(window)"
                var fast = [Float](repeating: .nan, count: naive.count)
                Kernel.attention(&fast, q, keys, values, startPosition: start, tokens: tokens, heads: heads,
                                 kvHeads: kvHeads, headSize: headSize, window: window, pool: pool, path: path)
                assertClose(fast, naive, absolute: 1e-5, relative: 1e-4, label)
                Kernel.attention(&fast, q, halfKeys, halfValues, startPosition: start, tokens: tokens, heads: heads,
                                 kvHeads: kvHeads, headSize: headSize, window: window, pool: pool, path: path)
                assertClose(fast, halfNaive, absolute: 1e-5, relative: 1e-4, "f16 " + label)
            }
        }
    }

    /// Prefill's call serves several queries (heads of a KV head, consecutive tokens of a head) from one read of
    /// each cache row; each query's output must be what a decode step computes for it alone, bit for bit, also
    /// where the tokens straddle a 64-row tile, where a window cuts them, and where a value row past an earlier
    /// token's end is infinite (an f16 overflow), which that token must never read.
    func testQueriesSharingACallGetWhatEachGetsAloneBitForBit() {
        var rng = SeededGenerator(seed: 44)
        for (heads, kvHeads, headSize, start, tokens, window) in [(4, 4, 64, 0, 9, Int.max), (4, 4, 64, 61, 7, Int.max),
                                                                  (3, 3, 16, 126, 5, Int.max), (2, 1, 32, 10, 6, Int.max),
                                                                  (1, 1, 256, 200, 5, Int.max), (4, 4, 64, 20, 8, 26),
                                                                  (8, 2, 64, 66, 3, Int.max)] {
            let positions = start + tokens, cacheStride = kvHeads * headSize
            let keys = rng.floats(positions * cacheStride, in: -2...2).map { Float16($0) }
            var values = rng.floats(positions * cacheStride).map { Float16($0) }
            values[(positions - 1) * cacheStride] = .infinity
            let q = rng.floats(tokens * heads * headSize, in: -2...2)
            for path in KernelPath.supported {
                let label = "\(path) NH \(heads) NKV \(kvHeads) HS \(headSize) start \(start) T \(tokens) W \(window)"
                var together = [Float](repeating: .nan, count: tokens * heads * headSize), alone = together
                Kernel.attention(&together, q, keys, values, startPosition: start, tokens: tokens, heads: heads,
                                 kvHeads: kvHeads, headSize: headSize, window: window, path: path)
                for t in 0..<tokens {
                    let row = t * heads * headSize
                    alone.withUnsafeMutableBufferPointer { out in
                        q.withUnsafeBufferPointer { q in
                            Kernel.attention(out.baseAddress! + row, q.baseAddress! + row, keys, values,
                                             startPosition: start + t, tokens: 1, heads: heads, kvHeads: kvHeads,
                                             headSize: headSize, window: window, path: path)
                        }
                    }
                }
                let earlier = (tokens - 1) * heads * headSize
                XCTAssertNil(together[..<earlier].firstIndex { !$0.isFinite }, "a non-finite output: " + label)
                let differing = zip(together, alone).enumerated().first { i, pair in
                    i < earlier ? pair.0.bitPattern != pair.1.bitPattern : pair.0.isNaN != pair.1.isNaN
                }
                XCTAssertNil(differing, label)
            }
        }
    }

    func testF16CacheAttentionMatchesNaiveOnEveryPath() {
        var rng = SeededGenerator(seed: 42)
        let pool = ThreadPool(threadCount: 2)
        for (heads, kvHeads, headSize, start, tokens) in [(4, 4, 64, 70, 1), (4, 2, 40, 3, 5), (2, 1, 13, 9, 2),
                                                         (8, 8, 256, 100, 1)] {
            let positions = start + tokens, cacheStride = kvHeads * headSize + 8
            var keys = rng.floats(positions * cacheStride, in: -2...2).map { Float16($0) }
            keys[1] = Float16(bitPattern: 0x0001)  // the smallest subnormal
            keys[2] = Float16(bitPattern: 0x83FF)  // the largest negative subnormal
            let values = rng.floats(positions * cacheStride).map { Float16($0) }
            let q = rng.floats(tokens * heads * headSize, in: -2...2)
            var naive = [Float](repeating: 0, count: tokens * heads * headSize)
            NaiveKernel.attention(&naive, q, keys, values, startPosition: start, tokens: tokens, heads: heads,
                                  kvHeads: kvHeads, headSize: headSize, cacheStride: cacheStride)
            for path in KernelPath.supported {
                var fast = [Float](repeating: .nan, count: naive.count)
                Kernel.attention(&fast, q, keys, values, startPosition: start, tokens: tokens, heads: heads,
                                 kvHeads: kvHeads, headSize: headSize, cacheStride: cacheStride, pool: pool, path: path)
                assertClose(fast, naive, absolute: 1e-5, relative: 1e-4, "\(path) NH \(heads) HS \(headSize)")
            }
        }
    }

    func testPortableF16WideningIsExactForEveryBitPattern() {
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits)), actual = Float16.widen(bits)
            if expected.isNaN {
                XCTAssertTrue(actual.isNaN, "\(bits)")
            } else {
                XCTAssertEqual(actual.bitPattern, expected.bitPattern, "\(bits)")
            }
        }
    }

    func testConvertToF16RoundsToNearestEven() {
        var rng = SeededGenerator(seed: 43)
        var x = rng.floats(37, in: -70000...70000)
        x[0] = 1 + 1.0 / 2048  // halfway between two f16 values: rounds to the even one, 1.0
        x[1] = 1e-6            // an f16 subnormal
        let expected = x.map { Float16($0) }
        for path in KernelPath.supported {
            var out = [Float16](repeating: 0, count: 37)
            Kernel.convert(&out, x, count: 37, path: path)
            XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "\(path)")
        }
        XCTAssertEqual(expected[0], 1)
    }

    func testAttentionToOnePositionReturnsItsValue() {
        for path in KernelPath.supported {
            let keys: [Float] = [3, -1, 2, 0, 0, 0, 0, 0], values: [Float] = [0.25, 7, 1, 2, 3, 4, 5, 6]
            var out = [Float](repeating: 0, count: 8)
            Kernel.attention(&out, [1, 1, 1, 1, 1, 1, 1, 1], keys, values, startPosition: 0, tokens: 1, heads: 1,
                             kvHeads: 1, headSize: 8, path: path)
            XCTAssertEqual(out, values, accuracy: 1e-6)
        }
    }
}
