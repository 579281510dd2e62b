import Distill
import Engine
import Foundation
import GGUF
import Tokenizer

/// `distillery eval`: how well a model predicts held-out text, in bits per byte and llama.cpp's perplexity.
struct EvalCommand: Command {
    static let spec = CommandSpec(
        name: "eval",
        abstract: "Score held-out text: bits per byte, perplexity by llama.cpp's protocol, and line completion.",
        usage: "distillery eval -m <file> --data <path> [--ctx <n>] [--line-completion [--lines <n>]] [--json]",
        options: [
            CommonOptions.model,
            .value("--data", name: "PATH", help: "A text file, or a folder whose files are read recursively"),
            .value("--ctx", name: "N", help: "Tokens per window (sliding windows advance by half)", default: "512"),
            .flag("--line-completion",
                  help: "Also complete evenly spaced lines greedily: exact match and edit similarity (CodeXGLUE)"),
            .value("--lines", name: "N", help: "Lines to complete with --line-completion", default: "500"),
            .flag("--quiet", help: "No progress bar"),
            CommonOptions.json,
        ])

    let modelPath: String
    let dataPath: String
    let contextLength: Int
    /// Lines to complete; nil without --line-completion.
    let lineCompletionLines: Int?
    let quiet: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        modelPath = try arguments.required("--model")
        dataPath = try arguments.required("--data")
        contextLength = try arguments.int("--ctx", in: 4...1_048_576)!
        let lines = try arguments.int("--lines", in: 1...1_000_000)!
        if arguments.flag("--line-completion") {
            guard contextLength > LineCompletionTask.defaultMaxTokens + 1 else {
                throw UsageError("--line-completion needs --ctx above \(LineCompletionTask.defaultMaxTokens + 1) "
                                 + "(\(LineCompletionTask.defaultMaxTokens) tokens per line and a prompt)")
            }
            lineCompletionLines = lines
        } else {
            guard arguments.strings("--lines").isEmpty else { throw UsageError("--lines needs --line-completion") }
            lineCompletionLines = nil
        }
        quiet = arguments.flag("--quiet")
        json = arguments.flag("--json")
    }

    func run() throws {
        let documents = try readDocuments(dataPath)
        let file = try GGUFFile(path: modelPath)
        let tokenizer = try Tokenizer(gguf: file)
        try evaluate(loadTeacherModel(file: file), tokenizer: tokenizer, documents: documents)
    }

    /// The corpus reader of `distill`: a file or every file below a folder (sorted, hidden ones skipped), JSONL
    /// records by their "text" field; what cannot be read is reported and skipped, and nothing left is an error.
    private func readDocuments(_ path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("no such file or folder: \(path)") }
        let read = CorpusReader().read([path])
        for skipped in read.skipped { Console.error("warning: skipping \(skipped.path): \(skipped.reason)") }
        let texts = read.documents.map(\.text).filter { !$0.isEmpty }
        guard !texts.isEmpty else { throw CLIError("no readable UTF-8 text under \(path)") }
        return texts
    }

    private func evaluate<Model: LanguageModel>(_ model: Model, tokenizer: Tokenizer, documents: [String]) throws {
        guard contextLength <= model.config.contextLength else {
            throw CLIError("--ctx \(contextLength) is longer than the model's context (\(model.config.contextLength))")
        }
        let evaluator = Evaluator(model: model, contextLength: contextLength)
        let progress = ProgressBar(label: "eval", enabled: !quiet)
        let start = DispatchTime.now().uptimeNanoseconds

        // Bits per byte: each document on its own, BOS first when the model wants one.
        let perDocument = documents.map { tokenizer.encode($0, addBOS: tokenizer.addsBOSByDefault) }
        let bytes = documents.reduce(0) { $0 + $1.utf8.count }
        // llama.cpp's protocol: the whole text as one token stream.
        let whole = tokenizer.encode(documents.joined(separator: "\n\n"), addBOS: tokenizer.addsBOSByDefault)
        let windows = perDocument.reduce(0) { $0 + SlidingWindowCount.of(tokens: $1.count, window: contextLength) }
        let totalPasses = windows + whole.count / contextLength
        var passes = 0
        let tick: (Int, Int) -> Void = { _, _ in
            passes += 1
            progress.update(done: passes, total: totalPasses)
        }

        var sliding = EvaluationTally()
        for tokens in perDocument { sliding = sliding + (try evaluator.slidingWindow(tokens, onChunk: tick)) }
        let llama = try evaluator.llamaPerplexityProtocol(whole, onChunk: tick)
        progress.finish()

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // after the clock stops: tokens/s stays the scoring rate
        let lines = try lineCompletionLines.map { count in
            let tasks = LineCompletionTask.select(from: documents, count: count)
            let bar = ProgressBar(label: "lines", enabled: !quiet)
            defer { bar.finish() }
            return try LineCompletion(model: model, tokenizer: tokenizer, contextLength: contextLength)
                .score(tasks) { bar.update(done: $0, total: $1) }
        }
        let forwarded = sliding.forwardedTokens + llama.forwardedTokens
        let evaluatedTokens = perDocument.reduce(0) { $0 + $1.count } + whole.count / contextLength * contextLength
        var report: [String: Any] = [
            "model": modelPath, "data": dataPath, "ctx": contextLength, "documents": documents.count,
            "bits_per_byte": sliding.bits / Double(max(bytes, 1)),
            "bits_per_token": sliding.bits / Double(max(sliding.scoredTokens, 1)),
            "ppl_llama_protocol": llama.scoredTokens > 0 ? llama.perplexity : NSNull(),
            "tokens": perDocument.reduce(0) { $0 + $1.count }, "scored_tokens": sliding.scoredTokens,
            "bytes": bytes, "tokens_per_second": Double(evaluatedTokens) / seconds, "seconds": seconds,
            // both protocols' windows, overlaps included: the rate llama-perplexity's n_chunks x n_ctx compares with
            "forward_tokens": forwarded, "forward_tokens_per_second": Double(forwarded) / seconds,
        ]
        if let lines {
            report["line_completion"] = ["lines": lines.lines, "exact_matches": lines.exactMatches,
                                         "exact_match": lines.exactMatch, "edit_similarity": lines.editSimilarity]
        }
        if json {
            try Console.printJSON(report)
        } else {
            var text = String(format: "bits_per_byte       %.4f\nbits_per_token      %.4f\n",
                              report["bits_per_byte"] as! Double, report["bits_per_token"] as! Double)
            text += llama.scoredTokens > 0 ? String(format: "ppl_llama_protocol  %.4f\n", llama.perplexity)
                                           : "ppl_llama_protocol  n/a (the text is shorter than one --ctx chunk)\n"
            text += "tokens              \(report["tokens"]!)\nbytes               \(bytes)\n"
            text += String(format: "tokens/s            %.1f\n", report["tokens_per_second"] as! Double)
            if let lines {
                text += String(format: "line_exact_match    %.4f (%d of %d lines)\nline_edit_similarity %.4f\n",
                               lines.exactMatch, lines.exactMatches, lines.lines, lines.editSimilarity)
            }
            Console.write(text)
        }
    }
}

enum SlidingWindowCount {
    static func of(tokens: Int, window: Int) -> Int {
        guard tokens >= 2 else { return 0 }
        let stride = max(window / 2, 1)
        return tokens <= window ? 1 : 1 + (tokens - window + stride - 1) / stride
    }
}
