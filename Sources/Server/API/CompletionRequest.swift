import Engine

/// A validated `POST /v1/completions` body (OpenAI's legacy completions API, plus llama.cpp/vLLM's
/// `top_k`, `min_p`, `repetition_penalty` and `ignore_eos`).
package struct CompletionRequest: Sendable, Equatable {
    package enum Prompt: Sendable, Equatable {
        case texts([String])
        case tokens([[Int32]])

        var count: Int {
            switch self {
            case .texts(let texts): texts.count
            case .tokens(let lists): lists.count
            }
        }
    }

    static let maxPrompts = 64
    static let maxChoices = 64
    static let maxStopSequences = 16
    /// Stop sequences are matched against held-back text every token; longer ones are refused.
    static let maxStopBytes = 512
    static let maxLogprobs = 20

    package var model: String?
    package var prompt: Prompt
    /// OpenAI's default is 16.
    package var maxTokens = 16
    package var sampling = SamplingParameters()
    /// nil: each choice draws its own random seed.
    package var seed: UInt64?
    package var stop: [String] = []
    package var stream = false
    package var includeUsage = false
    /// How many alternatives each token's log-probabilities list; nil for no log-probabilities.
    package var logprobs: Int?
    package var echo = false
    package var n = 1
    package var user: String?
    package var ignoreEOS = false

    package init(prompt: Prompt) {
        self.prompt = prompt
    }

    /// Every choice the request asks for: `n` per prompt.
    var sequenceCount: Int { prompt.count * n }

    package init(json bytes: [UInt8]) throws(APIError) {
        let fields = try RequestFields(parsing: bytes)
        prompt = try Self.prompt(fields)
        model = try fields.string("model")
        maxTokens = try fields.int("max_tokens", range: 0...Int(Int32.max)) ?? maxTokens
        n = try fields.int("n", range: 1...Self.maxChoices) ?? 1
        guard prompt.count * n <= Self.maxChoices * 4 else {
            throw .invalidRequest("\(prompt.count) prompts times n = \(n) asks for too many choices.", param: "n")
        }
        stream = try fields.bool("stream") ?? false
        echo = try fields.bool("echo") ?? false
        logprobs = try fields.int("logprobs", range: 0...Self.maxLogprobs)
        user = try fields.string("user")
        ignoreEOS = try fields.bool("ignore_eos") ?? false
        seed = try fields.uint64("seed")
        stop = try Self.stop(fields)
        includeUsage = try Self.includeUsage(fields, stream: stream)
        sampling = try Self.sampling(fields)
        try Self.rejectUnsupported(fields, n: n)
    }

    private static func prompt(_ fields: RequestFields) throws(APIError) -> Prompt {
        guard let value = fields.value("prompt") else {
            throw .invalidRequest("'prompt' is required.", param: "prompt", code: "missing_required_parameter")
        }
        let bad = RequestFields.invalid("prompt", "must be a string, an array of strings, an array of token ids or an array of such arrays")
        switch value {
        case .string(let text):
            return .texts([text])
        case .array(let items):
            guard !items.isEmpty else { throw RequestFields.invalid("prompt", "must not be an empty array") }
            guard items.count <= maxPrompts || items.allSatisfy({ RequestFields.integer($0) != nil }) else {
                throw RequestFields.invalid("prompt", "holds more than \(maxPrompts) prompts")
            }
            switch items[0] {
            case .string:
                var texts: [String] = []
                for item in items {
                    guard case .string(let text) = item else { throw bad }
                    texts.append(text)
                }
                return .texts(texts)
            case .array:
                var lists: [[Int32]] = []
                for item in items {
                    guard case .array(let ids) = item else { throw bad }
                    lists.append(try tokenIDs(ids))
                }
                return .tokens(lists)
            default:
                return .tokens([try tokenIDs(items)])
            }
        default:
            throw bad
        }
    }

    private static func tokenIDs(_ items: [JSONValue]) throws(APIError) -> [Int32] {
        guard !items.isEmpty else { throw RequestFields.invalid("prompt", "must not hold an empty token list") }
        var ids: [Int32] = []
        ids.reserveCapacity(items.count)
        for item in items {
            guard let id = RequestFields.integer(item), let id32 = Int32(exactly: id), id32 >= 0 else {
                throw RequestFields.invalid("prompt", "token ids must be non-negative integers")
            }
            ids.append(id32)
        }
        return ids
    }

    private static func stop(_ fields: RequestFields) throws(APIError) -> [String] {
        guard let value = fields.value("stop") else { return [] }
        var stops: [String]
        switch value {
        case .string(let text): stops = [text]
        case .array(let items):
            stops = []
            for item in items {
                guard case .string(let text) = item else { throw RequestFields.invalid("stop", "must be a string or an array of strings") }
                stops.append(text)
            }
        default: throw RequestFields.invalid("stop", "must be a string or an array of strings")
        }
        guard stops.count <= maxStopSequences else { throw RequestFields.invalid("stop", "holds more than \(maxStopSequences) sequences") }
        guard !stops.contains("") else { throw RequestFields.invalid("stop", "must not contain an empty string") }
        guard stops.allSatisfy({ $0.utf8.count <= maxStopBytes }) else {
            throw RequestFields.invalid("stop", "sequences must be at most \(maxStopBytes) bytes long")
        }
        return stops
    }

    private static func includeUsage(_ fields: RequestFields, stream: Bool) throws(APIError) -> Bool {
        guard let options = fields.value("stream_options") else { return false }
        guard stream else { throw RequestFields.invalid("stream_options", "is only allowed when 'stream' is true") }
        guard case .object = options else { throw RequestFields.invalid("stream_options", "must be an object") }
        guard let include = options["include_usage"], !include.isNull else { return false }
        guard case .bool(let flag) = include else {
            throw .invalidRequest("'stream_options.include_usage' must be true or false.", param: "stream_options.include_usage",
                                  code: "invalid_value")
        }
        return flag
    }

    private static func sampling(_ fields: RequestFields) throws(APIError) -> SamplingParameters {
        var p = SamplingParameters()
        p.temperature = try fields.float("temperature", range: 0...2) ?? 1
        p.topP = try fields.float("top_p", range: 0...1, excludingLower: true) ?? 1
        // -1 (vLLM) and 0 (llama.cpp) both mean "keep every token"
        p.topK = max(try fields.int("top_k", range: -1...Int(Int32.max)) ?? 0, 0)
        p.minP = try fields.float("min_p", range: 0...1) ?? 0
        p.presencePenalty = try fields.float("presence_penalty", range: -2...2) ?? 0
        p.frequencyPenalty = try fields.float("frequency_penalty", range: -2...2) ?? 0
        p.repetitionPenalty = try fields.float("repetition_penalty", range: 0...10, excludingLower: true) ?? 1
        do {
            try p.validate()
        } catch {
            guard case .invalid(let parameter, let reason) = error else { throw .invalidRequest("\(error)") }
            throw RequestFields.invalid(parameter, reason)
        }
        return p
    }

    /// OpenAI fields we cannot honour are refused rather than silently ignored.
    private static func rejectUnsupported(_ fields: RequestFields, n: Int) throws(APIError) {
        if let suffix = try fields.string("suffix"), !suffix.isEmpty {
            throw .invalidRequest("'suffix' is not supported.", param: "suffix", code: "unsupported_parameter")
        }
        if let bestOf = try fields.int("best_of", range: 1...Int(Int32.max)), bestOf != n {
            throw .invalidRequest("'best_of' other than n is not supported.", param: "best_of", code: "unsupported_parameter")
        }
        if let bias = fields.value("logit_bias") {
            guard case .object(let members) = bias else { throw RequestFields.invalid("logit_bias", "must be an object") }
            if !members.isEmpty {
                throw .invalidRequest("'logit_bias' is not supported.", param: "logit_bias", code: "unsupported_parameter")
            }
        }
    }
}
