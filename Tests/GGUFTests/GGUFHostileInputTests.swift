import Foundation
import XCTest
import GGUF

/// Truncated, mutated and hand-crafted hostile files: each must give a `GGUFError`, never a crash.
final class GGUFHostileInputTests: XCTestCase {
    private func parse(_ bytes: [UInt8]) throws -> GGUFFile {
        try GGUFFile(mapped: MappedFile(contents: bytes))
    }

    private func assertTypedError(_ bytes: [UInt8], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(bytes), message, file: file, line: line) { error in
            XCTAssertTrue(error is GGUFError, "\(message): \(error)", file: file, line: line)
        }
    }

    func testEveryTruncationIsATypedError() throws {
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.student)))
        var rng = SystemRandomNumberGenerator()
        var lengths = Array(0..<64) + [whole.count - 1]
        for _ in 0..<150 { lengths.append(Int.random(in: 0..<whole.count, using: &rng)) }
        for length in lengths {
            assertTypedError(Array(whole[0..<length]), "truncated to \(length) bytes")
        }
    }

    func testRandomMutationsOfTheHeaderNeverCrash() throws {
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: FixturePaths.student)))
        var rng = SystemRandomNumberGenerator()
        var typedErrors = 0
        for _ in 0..<300 {
            var bytes = whole
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                // Mostly the counts, types, lengths and offsets near the start; sometimes anywhere in the header.
                let position = Bool.random(using: &rng) ? Int.random(in: 0..<64, using: &rng)
                                                        : Int.random(in: 0..<200_000, using: &rng)
                bytes[position] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                _ = try parse(bytes)
            } catch is GGUFError {
                typedErrors += 1
            }
        }
        XCTAssertGreaterThan(typedErrors, 0)
    }

    private func header(tensorCount: UInt64, keyCount: UInt64, version: UInt32 = 3) -> ByteWriter {
        var out = ByteWriter()
        out.put(GGUFFile.magic)
        out.put(version)
        out.put(tensorCount)
        out.put(keyCount)
        return out
    }

    func testHandCraftedHostileHeaders() {
        var badMagic = header(tensorCount: 0, keyCount: 0)
        badMagic.bytes[0] = 0x00
        XCTAssertThrowsError(try parse(badMagic.bytes)) { XCTAssertEqual($0 as? GGUFError, .badMagic(found: 0x4655_4700)) }
        XCTAssertThrowsError(try parse(header(tensorCount: 0, keyCount: 0, version: 9).bytes)) {
            XCTAssertEqual($0 as? GGUFError, .unsupportedVersion(9))
        }
        assertTypedError(header(tensorCount: 1 << 62, keyCount: 0).bytes, "absurd tensor count")
        assertTypedError(header(tensorCount: 0, keyCount: UInt64.max).bytes, "absurd key count")

        var hugeString = header(tensorCount: 0, keyCount: 1)
        hugeString.put(UInt64.max - 3)
        assertTypedError(hugeString.bytes, "string length past the end")

        var hugeArray = header(tensorCount: 0, keyCount: 1)
        hugeArray.putString("k")
        hugeArray.put(UInt32(9))
        hugeArray.put(UInt32(8))
        hugeArray.put(UInt64(1) << 40)
        assertTypedError(hugeArray.bytes, "array longer than the file")

        var unknownValue = header(tensorCount: 0, keyCount: 1)
        unknownValue.putString("k")
        unknownValue.put(UInt32(77))
        XCTAssertThrowsError(try parse(unknownValue.bytes)) {
            XCTAssertEqual($0 as? GGUFError, .unknownValueType(77, key: "k"))
        }

        var badUTF8 = header(tensorCount: 0, keyCount: 1)
        badUTF8.put(UInt64(2))
        badUTF8.bytes += [0xC3, 0x28]
        assertTypedError(badUTF8.bytes, "invalid UTF-8 key")
    }

    private func tensorHeader(dims: [UInt64], type: UInt32, offset: UInt64, dataBytes: Int) -> [UInt8] {
        var out = header(tensorCount: 1, keyCount: 0)
        out.putString("t")
        out.put(UInt32(dims.count))
        for d in dims { out.put(d) }
        out.put(type)
        out.put(offset)
        out.pad(to: 32)
        out.bytes += [UInt8](repeating: 0, count: dataBytes)
        return out.bytes
    }

    func testHostileTensorInfos() throws {
        XCTAssertNoThrow(try parse(tensorHeader(dims: [32, 2], type: 0, offset: 0, dataBytes: 256)))
        assertTypedError(tensorHeader(dims: [32, 2], type: 0, offset: 0, dataBytes: 255), "data past EOF")
        assertTypedError(tensorHeader(dims: [32, 2], type: 0, offset: 1 << 62, dataBytes: 256), "offset past EOF")
        assertTypedError(tensorHeader(dims: [32, 2], type: 0, offset: 8, dataBytes: 512), "misaligned offset")
        assertTypedError(tensorHeader(dims: [1 << 31 - 1, 1 << 31 - 1, 1 << 31 - 1, 1 << 31 - 1], type: 0, offset: 0, dataBytes: 64),
                         "overflowing shape")
        assertTypedError(tensorHeader(dims: [1, 1, 1, 1, 1], type: 0, offset: 0, dataBytes: 64), "five dimensions")
        assertTypedError(tensorHeader(dims: [UInt64.max], type: 0, offset: 0, dataBytes: 64), "absurd dimension")
        assertTypedError(tensorHeader(dims: [33], type: 8, offset: 0, dataBytes: 64), "row not a whole block")
        XCTAssertThrowsError(try parse(tensorHeader(dims: [4], type: 99, offset: 0, dataBytes: 64))) {
            XCTAssertEqual($0 as? GGUFError, .unknownTensorType(99, tensor: "t"))
        }
    }

    func testMissingFileIsATypedError() {
        XCTAssertThrowsError(try GGUFFile(path: "/nonexistent/model.gguf")) { error in
            guard case .cannotOpen(let path, _) = error as? GGUFError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/nonexistent/model.gguf")
        }
        XCTAssertThrowsError(try GGUFFile(path: "/tmp")) { XCTAssertTrue($0 is GGUFError) }
    }
}
