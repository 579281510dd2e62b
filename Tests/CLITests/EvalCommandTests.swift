import Foundation
import XCTest

/// `distillery eval` as a user runs it: bits per byte and line completion, on the fixture student and the teacher.
final class EvalCommandTests: XCTestCase {
    private let student = CLIRunner.fixture("student-s-q8_0.gguf")
    private let teacher = CLIRunner.packageRoot.appendingPathComponent("models/teacher/gemma-3-270m-q4_k_m.gguf").path

    /// A file holding `text`, removed after the test.
    private func textFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString).py").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func lineCompletion(_ result: CLIResult) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(report["line_completion"] as? [String: Any], result.stdout)
    }

    func testTheTeacherCompletesLinesAsLlamaCppsGreedyDecodingDoes() throws {
        guard FileManager.default.fileExists(atPath: teacher) else { return XCTFail("run `make teacher` first") }
        // llama.cpp's greedy continuation of "def fibonacci(n):\n" (Tests/EngineTests/Fixtures/gemma3-270m-reference.json)
        // is "    if n == 0:\n        return 0\n    elif n == 1:\n        return ": each of these three lines is the
        // teacher's own greedy completion of the text before it
        let data = try textFile("def fibonacci(n):\n    if n == 0:\n        return 0\n    elif n == 1:\n")
        let lines = try lineCompletion(CLIRunner.run(["eval", "-m", teacher, "--data", data, "--ctx", "128",
                                                      "--line-completion", "--json", "--quiet"]))
        XCTAssertEqual(lines["lines"] as? Int, 3)
        XCTAssertEqual(lines["exact_matches"] as? Int, 3)
        XCTAssertEqual(lines["exact_match"] as? Double, 1)
        XCTAssertEqual(lines["edit_similarity"] as? Double, 1)
    }

    func testLineCompletionOfAStudentInJSONAndText() throws {
        let data = try textFile("import os\n\n\ndef main(path):\n    for name in os.listdir(path):\n        print(name)\n"
                                + "    return 0\n\n\nif __name__ == '__main__':\n    main('.')\n")
        let lines = try lineCompletion(CLIRunner.run(["eval", "-m", student, "--data", data, "--ctx", "128",
                                                      "--line-completion", "--lines", "4", "--json", "--quiet"]))
        XCTAssertEqual(lines["lines"] as? Int, 4, "four of the six candidate lines")
        let exact = try XCTUnwrap(lines["exact_matches"] as? Int), similarity = try XCTUnwrap(lines["edit_similarity"] as? Double)
        XCTAssertEqual(lines["exact_match"] as? Double, Double(exact) / 4)
        XCTAssertTrue((0...1).contains(similarity), "\(similarity)")

        let text = try CLIRunner.run(["eval", "-m", student, "--data", data, "--ctx", "128", "--line-completion", "--quiet"])
        XCTAssertEqual(text.status, 0, text.stderr)
        // all six lines by default: "line_exact_match    0.1667 (1 of 6 lines)"
        let line = try XCTUnwrap(text.stdout.split(separator: "\n").first { $0.hasPrefix("line_exact_match    ") }, text.stdout)
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        XCTAssertEqual(fields.count, 6, String(line))
        XCTAssertEqual(Double(fields[1]).map { ($0 * 6).rounded() }, Double(fields[2].dropFirst()), String(line))
        XCTAssertEqual(fields[3...].joined(separator: " "), "of 6 lines)")
        XCTAssertTrue(text.stdout.contains("line_edit_similarity "), text.stdout)
        let without = try CLIRunner.run(["eval", "-m", student, "--data", data, "--ctx", "128", "--json", "--quiet"])
        XCTAssertFalse(without.stdout.contains("line_completion"), "only on request")
    }

    func testBadLineCompletionOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["--line-completion", "--lines", "0"], "--lines must be between 1 and 1000000, got 0"),
            (["--line-completion", "--lines", "many"], "--lines expects an integer, got 'many'"),
            (["--lines", "10"], "--lines needs --line-completion"),
            (["--line-completion", "--ctx", "64"], "--line-completion needs --ctx above 65 (64 tokens per line and a prompt)"),
        ]
        for (extra, message) in cases {
            let result = try CLIRunner.run(["eval", "-m", student, "--data", "x.py"] + extra)
            XCTAssertEqual(result.status, 64, "\(extra): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(extra): \(result.stderr)")
        }
    }

    func testEvalHelpIsExactly() throws {
        let result = try CLIRunner.run(["eval", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, """
            OVERVIEW: Score held-out text: bits per byte, perplexity by llama.cpp's protocol, and line completion.

            USAGE: distillery eval -m <file> --data <path> [--ctx <n>] [--line-completion [--lines <n>]] [--json]

            OPTIONS:
              -m, --model <FILE>  GGUF model file
              --data <PATH>       A text file, or a folder whose files are read recursively
              --ctx <N>           Tokens per window (sliding windows advance by half) (default: 512)
              --line-completion   Also complete evenly spaced lines greedily: exact match and edit similarity (CodeXGLUE)
              --lines <N>         Lines to complete with --line-completion (default: 500)
              --quiet             No progress bar
              --json              Print machine-readable JSON
              -h, --help          Show help information

            """)
    }
}
