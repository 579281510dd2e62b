import Engine

/// The sampling flags shared by `generate` and friends, with llama.cpp's defaults.
enum SamplingOptions {
    static let specs: [OptionSpec] = [
        .value("--temperature", "--temp", name: "X", help: "Sampling temperature; 0 is greedy", default: "0.8"),
        .value("--top-k", name: "K", help: "Keep the K most probable tokens; 0 keeps all", default: "40"),
        .value("--top-p", name: "P", help: "Nucleus sampling mass; 1 keeps all", default: "0.95"),
        .value("--min-p", name: "P", help: "Drop tokens below P times the top probability", default: "0.05"),
        .value("--repeat-penalty", name: "X", help: "Penalty for recently seen tokens; 1 is off", default: "1"),
        .value("--seed", name: "S", help: "Random seed (default: random)"),
    ]

    static func parse(_ arguments: ParsedArguments) throws -> SamplingParameters {
        let parameters = SamplingParameters(
            temperature: Float(try arguments.double("--temp", in: 0...100)!),
            topK: try arguments.int("--top-k", in: 0...1_000_000)!,
            topP: Float(try arguments.double("--top-p", in: 0...1)!),
            minP: Float(try arguments.double("--min-p", in: 0...1)!),
            repetitionPenalty: Float(try arguments.double("--repeat-penalty", in: 0.01...100)!),
            seed: try arguments.string("--seed").map { text in
                guard let seed = UInt64(text) else { throw UsageError("--seed expects a non-negative integer, got '\(text)'") }
                return seed
            } ?? UInt64.random(in: 0...UInt64.max))
        do {
            try parameters.validate()
        } catch {
            throw UsageError("\(error)")
        }
        return parameters
    }
}
