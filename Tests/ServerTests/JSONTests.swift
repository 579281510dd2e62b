import Foundation
import XCTest

@testable import Server

final class JSONTests: XCTestCase {
    func testParsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"], "big": 18446744073709551615, "n": 9007199254740993} "#)
        XCTAssertEqual(value["a"], .array([.integer(1), .double(-2500), .bool(true), .bool(false), .null,
                                           .string("x\"\\/\u{8}\u{c}\n\r\té😀")]))
        XCTAssertEqual(value["n"], .integer(9_007_199_254_740_993), "integers stay exact")
        XCTAssertEqual(value["big"], .double(18446744073709551615), "integers past Int64 become doubles")
        XCTAssertEqual(try JSONParser.parse("\"é\""), .string("é"))
        XCTAssertEqual(try JSONParser.parse("{}"), .object([]))
        XCTAssertEqual(try JSONParser.parse(#"{"k": 1, "k": 2}"#)["k"], .integer(2), "the last duplicate wins")
    }

    func testRefusesMalformedInput() {
        let bad = ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "tru", "nul", "\"abc", "\"\\x\"", "\"\u{1}\"",
                   "\"\\ud800\"", "\"\\udc00\"", "[1] 2", "{\"a\":1,}", "1e999", "\"\\u12\"", "NaN", "[\"a\":1]"]
        for text in bad {
            XCTAssertThrowsError(try JSONParser.parse(text), "accepted \(text.debugDescription)")
        }
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xFF, 0x22]), "invalid UTF-8 in a string")
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONParser.parse(deep)) { error in
            XCTAssertTrue("\(error)".contains("nesting"), "\(error)")
        }
        XCTAssertNoThrow(try JSONParser.parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60)))
    }

    func testWriterEscapesAndFoundationReadsItBack() throws {
        var json = JSONWriter()
        json.beginObject()
        json.field("text", "quote \" backslash \\ newline \n tab \t bell \u{7} del \u{7F} é 😀 </script>")
        json.field("int", -42)
        json.field("float", Float(0.1))
        json.field("tiny", Float(1e-7))
        json.field("nan", Float.nan)
        json.field("inf", -Float.infinity)
        json.field("flag", true)
        json.field("missing", nil as String?)
        json.key("list")
        json.beginArray()
        json.value(1)
        json.beginObject()
        json.endObject()
        json.beginArray()
        json.endArray()
        json.value(utf8: Array("bytes".utf8))
        json.endArray()
        json.endObject()
        XCTAssertFalse(json.bytes.contains(0x0A), "no raw newline: safe inside one SSE data line")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any], json.string)
        XCTAssertEqual(object["text"] as? String, "quote \" backslash \\ newline \n tab \t bell \u{7} del \u{7F} é 😀 </script>")
        XCTAssertEqual(object["int"] as? Int, -42)
        XCTAssertEqual((object["float"] as? Double).map { Float($0) }, 0.1)
        XCTAssertEqual((object["tiny"] as? Double).map { Float($0) }, 1e-7)
        XCTAssertTrue(object["nan"] is NSNull)
        XCTAssertTrue(object["inf"] is NSNull)
        XCTAssertEqual(object["flag"] as? Bool, true)
        XCTAssertTrue(object["missing"] is NSNull)
        XCTAssertEqual((object["list"] as? [Any])?.count, 4)
        XCTAssertEqual(json.string.filter { $0 == "," }.count, 11, json.string)
        // our own parser reads it back too
        XCTAssertEqual(try JSONParser.parse(json.bytes)["int"], .integer(-42))
    }
}
