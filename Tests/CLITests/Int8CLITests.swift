import Foundation
import XCTest

/// `generate` on the int8 engine, `bench`, and the kernel paths picked by `DISTILLERY_KERNELS`.
final class Int8CLITests: XCTestCase {
    private let student = CLIRunner.fixture("student-s-q8_0.gguf")

    private func json(_ result: CLIResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// From BOS, with `--activations q8_0` the int8 engine's arithmetic is llama.cpp's: the same 16 greedy tokens
    /// on every kernel path. By default (corrected logit rows) the paths agree with each other.
    func testGenerateRunsTheInt8EngineOnEveryKernelPath() throws {
        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: CLIRunner.fixture("student-s-q8_0-reference.json")))) as! [String: Any]
        let bos = (reference["cases"] as! [[String: Any]])[0]
        var ran: [String] = [], corrected: [[String: Any]] = []
        for path in ["portable", "avx2", "avx512"] {
            for activations in ["q8_0", "corrected"] {
                let result = try CLIRunner.run(["generate", "-m", student, "--prompt-ids", "1", "-n", "16", "--temp", "0",
                                                "--top-logprobs", "3", "--json", "--activations", activations],
                                               environment: ["DISTILLERY_KERNELS": path])
                if result.status == 1 && result.stderr.contains("is not available here") { continue }
                let output = try json(result), label = "\(path) \(activations)"
                // q8_0 against llama.cpp; corrected against the first path that ran
                let first = corrected.first ?? output
                let (ids, top) = activations == "q8_0" ? (bos["greedy_ids"], bos["top_logprobs"] as! [[String: Any]])
                                                       : (first["ids"], firstTop(first))
                XCTAssertEqual(output["ids"] as? [Int], ids as? [Int], label)
                for (got, want) in zip(firstTop(output), top) {
                    XCTAssertEqual(got["id"] as? Int, want["id"] as? Int, label)
                    XCTAssertEqual(got["logprob"] as! Double, want["logprob"] as! Double, accuracy: 1e-3, label)
                }
                if activations == "corrected" { corrected.append(output) }
            }
            ran.append(path)
        }
        XCTAssertTrue(ran.contains("portable"))
        let bogus = try CLIRunner.run(["generate", "-m", student, "--prompt-ids", "1", "-n", "1"],
                                      environment: ["DISTILLERY_KERNELS": "neon"])
        XCTAssertEqual(bogus.status, 1)
        XCTAssertTrue(bogus.stderr.contains("DISTILLERY_KERNELS=neon is not available here"), bogus.stderr)
    }

    private func firstTop(_ output: [String: Any]) -> [[String: Any]] {
        (output["steps"] as? [[String: Any]])?.first?["top_logprobs"] as? [[String: Any]] ?? []
    }

    func testBenchReportsSpeedAndMemoryAsJSON() throws {
        for threads in [1, 2] {
            let output = try json(CLIRunner.run(["bench", "-m", student, "--threads", "\(threads)", "--prompt-tokens", "16",
                                                 "--gen-tokens", "8", "--repeat", "2", "--json"]))
            for key in ["prefill_tok_s", "decode_tok_s", "prefill_ms_per_token", "decode_ms_per_token", "peak_rss_mb"] {
                XCTAssertGreaterThan(output[key] as? Double ?? 0, 0, key)
            }
            let prefill = output["prefill_tok_s"] as! Double, ms = output["prefill_ms_per_token"] as! Double
            XCTAssertEqual(prefill * ms, 1000, accuracy: 1e-6)
            XCTAssertEqual(output["threads"] as? Int, min(threads, ProcessInfo.processInfo.activeProcessorCount))
            XCTAssertEqual(output["adaptive_threads"] as? Bool, false)
            XCTAssertTrue(["portable", "avx2", "avx512"].contains(output["kernel_path"] as? String ?? ""))
            XCTAssertEqual(output["prompt_tokens"] as? Int, 16)
            XCTAssertEqual(output["gen_tokens"] as? Int, 8)
            XCTAssertEqual(output["activations"] as? String, "corrected")
        }
        let text = try CLIRunner.run(["bench", "-m", student, "-p", "8", "-n", "4", "-r", "1"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("prefill    pp8"), text.stdout)
        XCTAssertTrue(text.stdout.contains("decode     tg4"), text.stdout)
    }

    func testBenchRejectsBadUsage() throws {
        let noTokens = try CLIRunner.run(["bench", "-m", student, "-p", "0", "-n", "0"])
        XCTAssertEqual(noTokens.status, 64)
        XCTAssertTrue(noTokens.stderr.contains("cannot both be 0"), noTokens.stderr)
        XCTAssertEqual(try CLIRunner.run(["bench", "-m", student, "--repeat", "0"]).status, 64)
        XCTAssertEqual(try CLIRunner.run(["bench"]).status, 64)
        let badActivations = try CLIRunner.run(["bench", "-m", student, "--activations", "int4"])
        XCTAssertEqual(badActivations.status, 64)
        XCTAssertTrue(badActivations.stderr.contains("--activations must be corrected or q8_0, got 'int4'"),
                      badActivations.stderr)
        let tooLong = try CLIRunner.run(["bench", "-m", student, "-p", "5000"])
        XCTAssertEqual(tooLong.status, 1)
        XCTAssertTrue(tooLong.stderr.contains("do not fit the model's context of 1024"), tooLong.stderr)
    }

    func testBenchHelpIsExactly() throws {
        let result = try CLIRunner.run(["bench", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, """
            OVERVIEW: Measure prefill and decode speed (as llama-bench's pp and tg) and peak memory.

            USAGE: distillery bench -m <file> [--threads <n>] [--prompt-tokens <p>] [--gen-tokens <g>] [--repeat <r>] [--activations <a>] [--json]

            OPTIONS:
              -m, --model <FILE>              GGUF model file
              -t, --threads <N>               Threads of every step (default: 1 or 2, whichever measures faster)
              -p, --prompt-tokens <P>         Prompt tokens prefilled in one batch (default: 128)
              -n, --gen-tokens <G>            Tokens decoded one at a time (default: 128)
              -r, --repeat <R>                Timed repetitions; the median is reported (default: 5)
              --quantize                      Quantize non-Q8_0 weights to Q8_0 at load
              --activations <corrected|q8_0>  q8_0: llama.cpp's rounding; corrected: logit rows add an int8 correction (default: corrected)
              --json                          Print machine-readable JSON
              -h, --help                      Show help information

            """)
    }
}
