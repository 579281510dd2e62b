import Foundation
import GGUF
import Tokenizer
import XCTest

/// Encoding must stay linear: a 100 KB text in well under a second (release).
final class TokenizerSpeedTests: XCTestCase {
    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    func testEncodes100KBQuickly() throws {
        let tokenizer = try Teacher.tokenizer()
        let reference = try Reference.load()
        var random = RandomText(seed: 1)
        var text = ""
        while text.utf8.count < 100_000 {
            text += reference.tokenize[random.int(0..<reference.tokenize.count)].text + " "
            text += random.string(length: 40) + "\n"
        }
        var ids: [Int32] = []
        let times = (0..<5).map { _ in seconds { ids = tokenizer.encode(text, addBOS: false) } }.sorted()
        let decodeTime = seconds { XCTAssertEqual(tokenizer.decode(ids, renderSpecial: true), text) }
        let bytes = text.utf8.count
        print("encode \(bytes) bytes -> \(ids.count) tokens: median \(String(format: "%.1f", times[2] * 1000)) ms "
              + "(\(Int(Double(bytes) / times[2] / 1e6)) MB/s); decode \(String(format: "%.1f", decodeTime * 1000)) ms")
        #if !DEBUG
        XCTAssertLessThan(times[2], 0.5)
        #endif

        let longLine = String(repeating: "abcdefghij", count: 10_000)  // one 100 KB fragment, no specials
        let lineTime = seconds { XCTAssertEqual(tokenizer.decode(tokenizer.encode(longLine, addBOS: false)), longLine) }
        let newlines = String(repeating: "\n", count: 100_000)  // the worst case for the special-token scan
        let newlineTime = seconds { XCTAssertEqual(tokenizer.encode(newlines, addBOS: false).count, (100_000 + 30) / 31) }
        print("100 KB without specials: \(String(format: "%.1f", lineTime * 1000)) ms; 100 KB of newlines: "
              + "\(String(format: "%.1f", newlineTime * 1000)) ms")
        #if !DEBUG
        XCTAssertLessThan(lineTime, 0.5)
        XCTAssertLessThan(newlineTime, 1.0)
        #endif
    }

    func testLoadsTeacherVocabularyQuickly() throws {
        _ = try Teacher.tokenizer()
        var gguf: GGUFFile?
        let openTime = try seconds { gguf = try GGUFFile(path: Teacher.path) }
        let buildTime = try seconds { _ = try Tokenizer(gguf: gguf!) }
        print("teacher GGUF open \(String(format: "%.0f", openTime * 1000)) ms, tokenizer build \(String(format: "%.0f", buildTime * 1000)) ms")
        #if !DEBUG
        XCTAssertLessThan(buildTime, 1.0)
        #endif
    }
}
