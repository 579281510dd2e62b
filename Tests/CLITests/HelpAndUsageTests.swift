import Foundation
import XCTest

final class HelpAndUsageTests: XCTestCase {
    func testInspectHelpIsExactly() throws {
        let result = try CLIRunner.run(["inspect", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, """
            OVERVIEW: Print a GGUF file's metadata and tensor table.

            USAGE: distillery inspect <file> [--json] [--full-arrays]

            ARGUMENTS:
              <file>    GGUF file

            OPTIONS:
              --json         Print machine-readable JSON
              --full-arrays  Print every element of long arrays
              -h, --help     Show help information

            """)
    }

    func testBadUsageExitsWith64AndSaysWhy() throws {
        let missing = try CLIRunner.run(["inspect"])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.hasPrefix("error: missing argument file"), missing.stderr)

        let unknownOption = try CLIRunner.run(["inspect", "x.gguf", "--bogus"])
        XCTAssertEqual(unknownOption.status, 64)
        XCTAssertTrue(unknownOption.stderr.contains("unknown option '--bogus'"), unknownOption.stderr)

        let unknownCommand = try CLIRunner.run(["frobnicate"])
        XCTAssertEqual(unknownCommand.status, 64)
        XCTAssertTrue(unknownCommand.stderr.contains("unknown subcommand 'frobnicate'"), unknownCommand.stderr)
    }

    func testRuntimeFailureExitsWith1() throws {
        let notGGUF = try CLIRunner.run(["inspect", CLIRunner.packageRoot.appendingPathComponent("Package.swift").path])
        XCTAssertEqual(notGGUF.status, 1)
        XCTAssertTrue(notGGUF.stderr.hasPrefix("error: not a GGUF file"), notGGUF.stderr)
        let missing = try CLIRunner.run(["inspect", "/nonexistent.gguf"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("cannot open /nonexistent.gguf"), missing.stderr)
    }

    func testInspectJSONDescribesTheFixture() throws {
        let result = try CLIRunner.run(["inspect", CLIRunner.fixture("student-s-q8_0.gguf"), "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["version"] as? Int, 3)
        let metadata = try XCTUnwrap(json["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["general.architecture"] as? String, "llama")
        let tokens = try XCTUnwrap(metadata["tokenizer.ggml.tokens"] as? [String: Any])
        XCTAssertEqual(tokens["array_length"] as? Int, 8192)
        let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.count, 39)
        XCTAssertTrue(tensors.contains { $0["name"] as? String == "token_embd.weight" && $0["type"] as? String == "Q8_0" })
    }
}
