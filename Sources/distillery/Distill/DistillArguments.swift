import Distill
import Engine
import Foundation

/// The options of `distill`, shared with `admin distill`, and their translation into `DistillationOptions`.
enum DistillArguments {
    static let specs: [OptionSpec] = [
        .value("--teacher", name: "FILE[:WEIGHT]", help: "Teacher GGUF; repeat for an ensemble sharing one vocabulary"),
        .value("--data", name: "PATH", help: "Text file, JSONL file (\"text\" field) or folder; repeatable"),
        .value("-o", "--output", name: "OUT", help: "Writes OUT.gguf and OUT.md (and OUT-baseline.gguf)"),
        .value("--include", name: "PATTERN", help: "In folders, read only files whose name matches (e.g. '*.py')"),
        .value("--exclude", name: "PATTERN", help: "Skip files or folders whose name matches (e.g. test)"),
        .value("--eval-data", name: "PATH", help: "Held-out text instead of a split of --data; repeatable"),
        .value("--eval-fraction", name: "F", help: "Share of the corpus held out, by document", default: "0.02"),
        .value("--lines", name: "N", help: "Held-out lines completed by teacher and students (0: none)", default: "200"),
        .flag("--no-teacher-eval", help: "Measure only the students on the held-out text (bits per byte, line "
              + "completion): no teacher passes, so no agreement, KL or teacher numbers"),
        .value("--vocab", name: "N", help: "Student vocabulary size, specials and bytes included", default: "8192"),
        .value("--top-k", name: "K", help: "Teacher log-probabilities cached per position", default: "32"),
        .value("--outside-vocab", name: "HOW", help: "Teacher probability on tokens the student lacks: first-piece "
               + "(to the first piece of their spelling) or renormalize", default: "first-piece"),
        .value("--seq-len", name: "T", help: "Tokens per training sequence (the student's context)", default: "256"),
        .value("--max-train-tokens", name: "N", help: "Train on about N tokens drawn evenly from the whole corpus"),
        .value("--init", name: "FROM", help: "Student weights: random, or teacher (the first teacher's, pruned)",
               default: "random"),
        .value("--arch", name: "ARCH", help: "Random-init student architecture: llama or gemma3", default: "llama"),
        .value("--preset", name: "NAME", help: "Student shape: tiny (1.2M), small (7.6M) or base (26M)", default: "small"),
        .value("--dim", name: "C", help: "Embedding width (overrides the preset; prunes with --init teacher)"),
        .value("--layers", name: "L", help: "Transformer blocks (overrides the preset; with --init teacher the L most "
               + "important by block influence)"),
        .value("--keep-layers", name: "I,J,...", help: "With --init teacher: exactly these teacher layers"),
        .value("--heads", name: "NH", help: "Attention heads (overrides the preset; prunes with --init teacher)"),
        .value("--kv-heads", name: "NKV", help: "Key/value heads (default: --heads)"),
        .value("--head-dim", name: "HS", help: "Head size of a gemma3 student (default: --dim / --heads)"),
        .value("--ffn", name: "F", help: "Feed-forward width (overrides the preset; prunes with --init teacher)"),
        .flag("--tied", help: "Share the token embedding with the output layer"),
        .value("--loss", name: "KIND", help: "kl, rkl, jsd or ce", default: "kl"),
        .value("--alpha", name: "A", help: "Weight of the distillation term (1 - A on cross-entropy)", default: "0.5"),
        .value("--temperature", name: "T", help: "Distillation and capture temperature", default: "1"),
        .value("--beta", name: "B", help: "Mixture weight of jsd", default: "0.5"),
        .value("--steps", name: "N", help: "Optimizer steps (0 with --init teacher: the pruned teacher, untrained) "
               + "(default: 500 without --time-budget)"),
        .value("--time-budget", name: "SECONDS", help: "Train the student about this long instead of --steps"),
        .value("--lr", name: "LR", help: "Peak learning rate (warm-up, then cosine decay)", default: "0.001"),
        .value("--lr-floor", name: "F", help: "Where the cosine decay ends, as a fraction of --lr", default: "0.01"),
        .value("--batch-tokens", name: "N", help: "Tokens per optimizer step", default: "4096"),
        .value("--seed", name: "S", help: "Seed of the split, the initialization and the data order", default: "0"),
        .flag("--baseline", help: "Also train a ce student with the same steps: OUT-baseline.gguf"),
        .value("--baseline-init", name: "FROM", help: "The baseline starts as the student does (same) or random",
               default: "same"),
        .value("--work-dir", name: "DIR", help: "Teacher cache, checkpoints, logs (default: OUT.work)"),
        .value("--teacher-cache", name: "DIR", help: "Teacher targets, shared by students of one vocabulary "
               + "(default: the work folder's)"),
        .value("--teacher-shard", name: "I/N", help: "Only compute part I of N of the teacher cache, then stop "
               + "(collect every part's files in one --teacher-cache folder to train)"),
        .value("--checkpoint-every", name: "SECONDS", help: "Training checkpoint interval (0: every step)", default: "60"),
        CommonOptions.threads,
        .flag("--quiet", help: "No progress on stderr"),
        CommonOptions.json,
    ]

    static func parse(_ arguments: ParsedArguments) throws -> DistillationOptions {
        let teachers = try arguments.strings("--teacher").map { text in try usage { try TeacherSpec(argument: text) } }
        guard !teachers.isEmpty else { throw UsageError("missing required option --teacher") }
        let data = arguments.strings("--data")
        guard !data.isEmpty else { throw UsageError("missing required option --data") }
        let seed = try unsigned(arguments, "--seed")
        let corpus = CorpusOptions(
            inputs: data, filter: FileFilter(include: arguments.strings("--include"), exclude: arguments.strings("--exclude")),
            evalInputs: arguments.strings("--eval-data"), evalFraction: try arguments.double("--eval-fraction", in: 0...0.99)!,
            seed: seed)
        var options = DistillationOptions(teachers: teachers, corpus: corpus, output: try arguments.required("--output"),
                                          workDirectory: arguments.string("--work-dir"))
        options.vocabularySize = try arguments.int("--vocab", in: 260...1_000_000)!
        options.topK = try arguments.int("--top-k", in: 1...1024)!
        options.lineCompletionLines = try arguments.int("--lines", in: 0...1_000_000)!
        options.evaluateTeachers = !arguments.flag("--no-teacher-eval")
        let outside = arguments.string("--outside-vocab")!
        guard let targets = OutsideVocabularyTargets(rawValue: outside) else {
            throw UsageError("--outside-vocab must be first-piece or renormalize, got '\(outside)'")
        }
        options.outsideVocabulary = targets
        options.sequenceLength = try arguments.int("--seq-len", in: 2...65_536)!
        options.trainingTokenLimit = try arguments.int("--max-train-tokens", in: 2...Int(Int32.max))
        options.initialization = try initialization(arguments)
        if options.initialization == .random { options.student = try shape(arguments) }
        guard let baselineInit = BaselineInitialization(rawValue: arguments.string("--baseline-init")!) else {
            throw UsageError("--baseline-init expects same or random, got '\(arguments.string("--baseline-init")!)'")
        }
        options.baselineInitialization = baselineInit
        options.loss = try usage {
            try DistillationLoss(name: arguments.string("--loss")!, alpha: Float(arguments.double("--alpha", in: 0...1)!),
                                 temperature: Float(arguments.double("--temperature", in: 0.01...100)!),
                                 beta: Float(arguments.double("--beta", in: 0.001...0.999)!))
        }
        if arguments.string("--steps") != nil, arguments.string("--time-budget") != nil {
            throw UsageError("--steps and --time-budget cannot be used together")
        }
        if let seconds = try arguments.double("--time-budget", in: 1...1e7) {
            options.budget = .seconds(seconds)
        } else {
            options.budget = .steps(try arguments.int("--steps", in: 0...100_000_000) ?? 500)
        }
        options.learningRate = Float(try arguments.double("--lr", in: 1e-7...1)!)
        options.learningRateFloor = Float(try arguments.double("--lr-floor", in: 0...1)!)
        options.batchTokens = try arguments.int("--batch-tokens", in: 1...16_777_216)!
        options.seed = seed
        options.baseline = arguments.flag("--baseline")
        options.threads = try arguments.int("--threads", in: 1...1024)
        options.teacherCacheDirectory = arguments.string("--teacher-cache")
        options.teacherShard = try arguments.string("--teacher-shard").map { text in try usage { try TeacherShard(argument: text) } }
        options.checkpointSeconds = try arguments.double("--checkpoint-every", in: 0...1e7)!
        options.command = commandLine()
        try usage { try options.validate() }
        return options
    }

    private static func initialization(_ arguments: ParsedArguments) throws -> StudentInitialization {
        switch arguments.string("--init")! {
        case "random":
            if arguments.string("--keep-layers") != nil { throw UsageError("--keep-layers needs --init teacher") }
            return .random
        case "teacher":
            for option in ["--preset", "--kv-heads", "--head-dim", "--arch"] where !arguments.strings(option).isEmpty {
                throw UsageError("\(option) does not apply to --init teacher: the student takes the teacher's shape, "
                                 + "pruned by --layers/--keep-layers, --heads, --ffn and --dim")
            }
            if arguments.flag("--tied") { throw UsageError("--tied does not apply to --init teacher (the teacher decides)") }
            if arguments.string("--keep-layers") != nil, arguments.string("--layers") != nil {
                throw UsageError("--keep-layers and --layers cannot be used together")
            }
            let keep = try arguments.string("--keep-layers").map { text in
                try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
                    guard let layer = Int(part.trimmingCharacters(in: .whitespaces)), layer >= 0 else {
                        throw UsageError("--keep-layers expects layer numbers like 0,1,5, got '\(text)'")
                    }
                    return layer
                }
            }
            return .teacher(TeacherPruning(
                keepLayers: keep, layerCount: try arguments.int("--layers", in: 1...1024),
                heads: try arguments.int("--heads", in: 1...1024), feedForwardLength: try arguments.int("--ffn", in: 32...1_048_576),
                embeddingLength: try arguments.int("--dim", in: 32...65_536)))
        case let other:
            throw UsageError("--init expects random or teacher, got '\(other)'")
        }
    }

    private static func shape(_ arguments: ParsedArguments) throws -> StudentShape {
        var shape = try usage { try StudentShape.preset(named: arguments.string("--preset")!) }
        guard let architecture = ModelConfig.Architecture(rawValue: arguments.string("--arch")!) else {
            throw UsageError("--arch expects llama or gemma3, got '\(arguments.string("--arch")!)'")
        }
        shape.architecture = architecture
        shape.headSize = try arguments.int("--head-dim", in: 2...4096)
        let heads = try arguments.int("--heads", in: 1...1024)
        shape.embeddingLength = try arguments.int("--dim", in: 32...65_536) ?? shape.embeddingLength
        shape.layerCount = try arguments.int("--layers", in: 1...1024) ?? shape.layerCount
        shape.headCount = heads ?? shape.headCount
        shape.kvHeadCount = try arguments.int("--kv-heads", in: 1...1024) ?? (heads ?? shape.kvHeadCount)
        shape.feedForwardLength = try arguments.int("--ffn", in: 32...1_048_576) ?? shape.feedForwardLength
        shape.tiedEmbeddings = arguments.flag("--tied")
        try usage { try shape.validate() }
        return shape
    }

    private static func unsigned(_ arguments: ParsedArguments, _ key: String) throws -> UInt64 {
        let text = arguments.string(key)!
        guard let value = UInt64(text) else { throw UsageError("\(key) expects a non-negative integer, got '\(text)'") }
        return value
    }

    /// Option values the pipeline rejects are usage errors (exit 64), not failures of the run.
    private static func usage<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DistillError { throw UsageError(error.description) } catch let error as TrainingError {
            throw UsageError(error.description)
        }
    }

    /// The command as typed, quoted for a shell, for the model card and the GGUF's provenance.
    static func commandLine() -> String {
        (["distillery"] + CommandLine.arguments.dropFirst()).map { argument in
            let safe = argument.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_./=:,+@%".unicodeScalars.contains($0)
            }
            return safe && !argument.isEmpty ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
