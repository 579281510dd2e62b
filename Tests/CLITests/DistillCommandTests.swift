#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// `distillery distill` and `distillery admin distill` as a user runs them, on the fixture student as a
/// (random) teacher and a few of this package's own source files as the corpus.
final class DistillCommandTests: XCTestCase {
    static let corpus = CLIRunner.packageRoot.appendingPathComponent("Sources/Distill/Corpus").path

    /// A small, quick distillation; `-o out/student` is relative, so runs in different folders record
    /// the same command.
    static func distillArguments(extra: [String] = []) -> [String] {
        ["--teacher", CLIRunner.fixture("student-s-q8_0.gguf"), "--data", corpus, "--include", "*.swift",
         "-o", "out/student", "--preset", "tiny", "--vocab", "512", "--seq-len", "32", "--steps", "30",
         "--batch-tokens", "256", "--eval-fraction", "0.2", "--checkpoint-every", "0", "-t", "1"] + extra
    }

    static func makeFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("distill-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts the CLI in `folder` with output discarded (for runs that get killed).
    static func start(_ arguments: [String], in folder: URL) throws -> Process {
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Kills `process` with SIGKILL as soon as `path` exists (or gives up when the process ends first).
    static func kill(_ process: Process, whenExists path: String) {
        while process.isRunning, !FileManager.default.fileExists(atPath: path) { usleep(2_000) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func testAKilledDistillationResumesAndWritesTheSameStudent() throws {
        let folder = try Self.makeFolder(), reference = try Self.makeFolder()
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: reference)
        }
        let arguments = ["distill"] + Self.distillArguments()
        let work = folder.appendingPathComponent("out/student.work").path
        // killed during the teacher pass, then during training
        Self.kill(try Self.start(arguments, in: folder), whenExists: work + "/teacher-cache/shard-00000.bin")
        Self.kill(try Self.start(arguments, in: folder), whenExists: work + "/student.ckpt")
        let resumed = try CLIRunner.run(arguments, in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("shards reused from the cache"), resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resuming at step"), resumed.stderr)

        let uninterrupted = try CLIRunner.run(arguments, in: reference)
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)
        XCTAssertFalse(uninterrupted.stderr.contains("resuming"))
        let a = try Data(contentsOf: folder.appendingPathComponent("out/student.gguf"))
        let b = try Data(contentsOf: reference.appendingPathComponent("out/student.gguf"))
        XCTAssertEqual(a, b, "the resumed run's student is byte for byte the uninterrupted run's")
        XCTAssertTrue(resumed.stdout.contains("held-out bits per byte (context 32):"), resumed.stdout)
        let card = try String(contentsOf: folder.appendingPathComponent("out/student.md"), encoding: .utf8)
        XCTAssertTrue(card.contains("distillery distill --teacher"), card)

        // `distillery eval` on the held-out files the run wrote gives the reported bits per byte
        let reported = try XCTUnwrap(resumed.stdout.split(separator: "\n").first { $0.hasPrefix("student int8") }
            .flatMap { Double($0.split(separator: " ").last!) })
        let eval = try CLIRunner.run(["eval", "-m", "out/student.gguf", "--data", "out/student.work/held-out", "--ctx", "32",
                                      "--json", "--quiet"], in: folder)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let measured = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["bits_per_byte"] as? Double)
        XCTAssertEqual(measured, reported, accuracy: 1e-4)
    }

    /// `--no-teacher-eval`: the student's held-out numbers, none of the teacher's.
    func testNoTeacherEvalMeasuresTheStudentAlone() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CLIRunner.run(["distill"] + Self.distillArguments(extra: ["--no-teacher-eval", "--lines", "5",
                                                                                    "--json", "--quiet"]), in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let teacher = try XCTUnwrap((report["teachers"] as? [[String: Any]])?.first)
        XCTAssertNil(teacher["bits_per_byte"])
        XCTAssertNil(teacher["line_completion"])
        let int8 = try XCTUnwrap((report["student"] as? [String: Any])?["int8"] as? [String: Any])
        XCTAssertNotNil(int8["bits_per_byte"] as? Double)
        XCTAssertNil(int8["top1_agreement"])
        XCTAssertEqual((int8["line_completion"] as? [String: Any])?["lines"] as? Int, 5)
        XCTAssertGreaterThan(report["held_out_tokens"] as? Int ?? 0, 0)
    }

    func testBadOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["distill", "--data", "x", "-o", "y"], "missing required option --teacher"),
            (["distill", "--teacher", "t.gguf", "-o", "y"], "missing required option --data"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--steps", "5", "--time-budget", "60"],
             "--steps and --time-budget cannot be used together"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--preset", "huge"], "unknown preset 'huge'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--steps", "0"],
             "--steps 0 writes the pruned teacher untrained, so it needs --init teacher"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--max-train-tokens", "100"],
             "--max-train-tokens must be at least --seq-len"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--loss", "mse"], "unknown loss 'mse'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--outside-vocab", "spread"],
             "--outside-vocab must be first-piece or renormalize, got 'spread'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--lines", "-1"],
             "--lines must be between 0 and 1000000, got -1"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--lr-floor", "2"],
             "--lr-floor must be between 0.0 and 1.0, got 2.0"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--lr-floor", "none"],
             "--lr-floor expects a number, got 'none'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--dim", "80"], "multiples of 32"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--init", "pruned"],
             "--init expects random or teacher, got 'pruned'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--init", "teacher", "--preset", "tiny"],
             "--preset does not apply to --init teacher"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--keep-layers", "0,1"],
             "--keep-layers needs --init teacher"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--init", "teacher", "--keep-layers", "0,x"],
             "--keep-layers expects layer numbers like 0,1,5, got '0,x'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--init", "teacher", "--keep-layers", "0",
              "--layers", "2"], "--keep-layers and --layers cannot be used together"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--arch", "bert"],
             "--arch expects llama or gemma3, got 'bert'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--baseline-init", "maybe"],
             "--baseline-init expects same or random, got 'maybe'"),
            (["distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--head-dim", "64"],
             "--head-dim is for gemma3 students"),
            (["admin", "distill", "--teacher", "t.gguf", "--data", "x", "-o", "y", "--reload", "https://h:1"],
             "--reload: 'https://h:1' is not a server URL"),
            (["admin", "distill", "--teacher", "t.gguf", "--data", "x", "-o", "y"], "missing required option --reload"),
        ]
        for (arguments, message) in cases {
            let result = try CLIRunner.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let missingTeacher = try CLIRunner.run(["distill", "--teacher", "/nonexistent.gguf", "--data", Self.corpus, "-o",
                                                FileManager.default.temporaryDirectory.appendingPathComponent("x").path])
        XCTAssertEqual(missingTeacher.status, 1)
        XCTAssertTrue(missingTeacher.stderr.contains("teacher /nonexistent.gguf"), missingTeacher.stderr)
    }

    func testDistillHelpIsExactly() throws {
        let result = try CLIRunner.run(["distill", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, """
            OVERVIEW: Distill a student from a GGUF teacher on a corpus; write OUT.gguf and its model card OUT.md.

            USAGE: distillery distill --teacher <file[:weight]> --data <path> -o <out> [options]

            OPTIONS:
              --teacher <FILE[:WEIGHT]>     Teacher GGUF; repeat for an ensemble sharing one vocabulary
              --data <PATH>                 Text file, JSONL file ("text" field) or folder; repeatable
              -o, --output <OUT>            Writes OUT.gguf and OUT.md (and OUT-baseline.gguf)
              --include <PATTERN>           In folders, read only files whose name matches (e.g. '*.py')
              --exclude <PATTERN>           Skip files or folders whose name matches (e.g. test)
              --eval-data <PATH>            Held-out text instead of a split of --data; repeatable
              --eval-fraction <F>           Share of the corpus held out, by document (default: 0.02)
              --lines <N>                   Held-out lines completed by teacher and students (0: none) (default: 200)
              --no-teacher-eval             Measure only the students on the held-out text (bits per byte, line completion): no teacher passes, so no agreement, KL or teacher numbers
              --vocab <N>                   Student vocabulary size, specials and bytes included (default: 8192)
              --top-k <K>                   Teacher log-probabilities cached per position (default: 32)
              --outside-vocab <HOW>         Teacher probability on tokens the student lacks: first-piece (to the first piece of their spelling) or renormalize (default: first-piece)
              --seq-len <T>                 Tokens per training sequence (the student's context) (default: 256)
              --max-train-tokens <N>        Train on about N tokens drawn evenly from the whole corpus
              --init <FROM>                 Student weights: random, or teacher (the first teacher's, pruned) (default: random)
              --arch <ARCH>                 Random-init student architecture: llama or gemma3 (default: llama)
              --preset <NAME>               Student shape: tiny (1.2M), small (7.6M) or base (26M) (default: small)
              --dim <C>                     Embedding width (overrides the preset; prunes with --init teacher)
              --layers <L>                  Transformer blocks (overrides the preset; with --init teacher the L most important by block influence)
              --keep-layers <I,J,...>       With --init teacher: exactly these teacher layers
              --heads <NH>                  Attention heads (overrides the preset; prunes with --init teacher)
              --kv-heads <NKV>              Key/value heads (default: --heads)
              --head-dim <HS>               Head size of a gemma3 student (default: --dim / --heads)
              --ffn <F>                     Feed-forward width (overrides the preset; prunes with --init teacher)
              --tied                        Share the token embedding with the output layer
              --loss <KIND>                 kl, rkl, jsd or ce (default: kl)
              --alpha <A>                   Weight of the distillation term (1 - A on cross-entropy) (default: 0.5)
              --temperature <T>             Distillation and capture temperature (default: 1)
              --beta <B>                    Mixture weight of jsd (default: 0.5)
              --steps <N>                   Optimizer steps (0 with --init teacher: the pruned teacher, untrained) (default: 500 without --time-budget)
              --time-budget <SECONDS>       Train the student about this long instead of --steps
              --lr <LR>                     Peak learning rate (warm-up, then cosine decay) (default: 0.001)
              --lr-floor <F>                Where the cosine decay ends, as a fraction of --lr (default: 0.01)
              --batch-tokens <N>            Tokens per optimizer step (default: 4096)
              --seed <S>                    Seed of the split, the initialization and the data order (default: 0)
              --baseline                    Also train a ce student with the same steps: OUT-baseline.gguf
              --baseline-init <FROM>        The baseline starts as the student does (same) or random (default: same)
              --work-dir <DIR>              Teacher cache, checkpoints, logs (default: OUT.work)
              --teacher-cache <DIR>         Teacher targets, shared by students of one vocabulary (default: the work folder's)
              --teacher-shard <I/N>         Only compute part I of N of the teacher cache, then stop (collect every part's files in one --teacher-cache folder to train)
              --checkpoint-every <SECONDS>  Training checkpoint interval (0: every step) (default: 60)
              -t, --threads <N>             Worker threads (default: one per core)
              --quiet                       No progress on stderr
              --json                        Print machine-readable JSON
              -h, --help                    Show help information

            """)
    }

    func testAdminHelpIsExactly() throws {
        let result = try CLIRunner.run(["admin", "--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, """
            OVERVIEW: Manage a running server (hot-swap its model, show its status).

            USAGE: distillery admin <subcommand> [options]

            OPTIONS:
              -h, --help  Show help information

            SUBCOMMANDS:
              reload    Load and validate a student on the server, then swap it in with no failed request (replicas: one at a time).
              status    Print a running server's model, in-flight requests per model, and last reload.
              distill   Distill a student, then hot-swap it into a running server if it passes the quality gate.

            """)
    }
}
