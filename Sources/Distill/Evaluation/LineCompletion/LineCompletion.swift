import Engine
import Tokenizer

/// Line completion as a user of a code model sees it (CodeXGLUE's line-level task): for each task, the
/// model continues the prompt greedily until it writes a newline (or an end-of-generation token, or
/// `maxTokens` tokens), and the text before the newline is compared with the rest of the real line.
/// Any `LanguageModel` runs it: f32 or int8, Llama or Gemma, student or teacher.
public struct LineCompletion<Model: LanguageModel> {
    public let model: Model
    public let tokenizer: Tokenizer
    /// Positions per prompt and completion; a longer prompt keeps its last tokens (BOS stays first).
    public let contextLength: Int
    /// Tokens a completion may take before it is cut (and then counts as whatever it wrote).
    public let maxTokens: Int

    public init(model: Model, tokenizer: Tokenizer, contextLength: Int, maxTokens: Int = LineCompletionTask.defaultMaxTokens) throws {
        guard maxTokens >= 1, contextLength > maxTokens + 1 else {
            throw DistillError.invalidOption("line completion needs a context longer than \(maxTokens + 1) tokens "
                                             + "(\(maxTokens) per line and a prompt), got \(contextLength)")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.contextLength = contextLength
        self.maxTokens = maxTokens
    }

    /// Every task's completion, scored; `onTask(done, total)` after each.
    public func score(_ tasks: [LineCompletionTask],
                      onTask: (Int, Int) -> Void = { _, _ in }) throws -> LineCompletionScore {
        let state = model.makeState(contextLength: contextLength)
        var exact = 0, similarity = 0.0
        for (i, task) in tasks.enumerated() {
            let predicted = try complete(task.prompt, state: state)
            if predicted == task.expected { exact += 1 }
            similarity += EditSimilarity.of(predicted, task.expected)
            onTask(i + 1, tasks.count)
        }
        return LineCompletionScore(lines: tasks.count, exactMatches: exact,
                                   editSimilarity: tasks.isEmpty ? 0 : similarity / Double(tasks.count))
    }

    /// The model's greedy rest of the line after `prompt`, trailing whitespace removed.
    public func complete(_ prompt: String, state: any ModelState) throws -> String {
        let tokens = promptTokens(prompt)
        guard !tokens.isEmpty else { throw DistillError.invalidOption("a line-completion prompt has no tokens") }
        var sampler = try Sampler(.greedy)
        // the completion continues the prompt's text: its first token keeps a leading space
        var decoder = StreamingDecoder(tokenizer: tokenizer, isContinuation: true)
        var line = ""
        let options = GenerationOptions(maxTokens: maxTokens, stopTokens: tokenizer.endOfGenerationIDs)
        try Generator(model: model).generate(prompt: tokens, state: state, sampler: &sampler, options: options) { token in
            line += decoder.append(token.id)
            return line.contains(where: LineCompletionTask.isLineEnd) ? .stop : .proceed
        }
        line += decoder.finish()
        let end = line.firstIndex(where: LineCompletionTask.isLineEnd) ?? line.endIndex
        return LineCompletionTask.normalized(line[..<end])
    }

    /// The prompt's tokens, BOS first when the tokenizer adds one, cut from the left to leave `maxTokens` free.
    func promptTokens(_ prompt: String) -> [Int32] {
        let bos = tokenizer.addsBOSByDefault ? tokenizer.bosID : nil
        let text = tokenizer.encode(prompt, addBOS: false)
        let room = contextLength - maxTokens - (bos == nil ? 0 : 1)
        return (bos.map { [$0] } ?? []) + text.suffix(room)
    }
}
