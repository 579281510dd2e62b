import Foundation
import TestHTTPClient
import XCTest

extension TestResponse {
    /// The body as a JSON object; fails the test otherwise.
    func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try? JSONSerialization.jsonObject(with: Data(body))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(text)", file: file, line: line)
    }

    /// The OpenAI error object of an error response.
    func error(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let error = try json(file: file, line: line)["error"] as? [String: Any]
        let object = try XCTUnwrap(error, "no error object: \(text)", file: file, line: line)
        for key in ["message", "type", "param", "code"] {
            XCTAssertTrue(object.keys.contains(key), "error object lacks '\(key)': \(text)", file: file, line: line)
        }
        return object
    }
}
