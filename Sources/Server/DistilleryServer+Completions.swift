import Glibc
import HTTP
import Tokenizer

extension DistilleryServer {
    /// On a worker: parse and validate, pin the current model, tokenize, then queue for the engine.
    func completions(_ context: RequestContext, body: [UInt8]) {
        do {
            let request = try CompletionRequest(json: body)
            let model = try servingModel(named: request.model)
            let lease = model.lease()
            let prompts = try prepare(request, for: model)
            let job = CompletionJob(id: Self.completionID(), created: time(nil), request: request, lease: lease,
                                    prompts: prompts, context: context, metrics: metrics)
            let tasks: [SequenceTask]
            do {
                tasks = try job.makeTasks()
            } catch .invalid(let parameter, let reason) {
                throw RequestFields.invalid(parameter, reason)
            }
            guard tasks.count <= scheduler.maxSequencesPerRequest else {
                throw APIError.invalidRequest("The request asks for \(tasks.count) sequences; this server runs at most "
                                              + "\(scheduler.maxSequencesPerRequest) at once.", param: "n")
            }
            guard scheduler.submit(job, tasks: tasks) else { throw APIError.queueFull(retryAfterSeconds: 1) }
        } catch {
            context.fail(error as? any APIErrorConvertible ?? APIError.internalError("\(error)"))
        }
    }

    /// The model a request gets: the current one, if the request's `model` names what this server serves.
    func servingModel(named name: String?) throws(APIError) -> LoadedModel {
        guard !isDraining else { throw .unavailable("The server is shutting down.", code: "shutting_down", retryAfterSeconds: nil) }
        guard let model = registry.current else { throw .unavailable("The model is still loading.", code: "model_loading") }
        if let name, !name.isEmpty, !registry.accepts(modelName: name) {
            throw .notFound("The model '\(name)' does not exist; this server serves '\(model.version)'.", code: "model_not_found")
        }
        return model
    }

    private func prepare(_ request: CompletionRequest, for model: LoadedModel) throws(APIError) -> [PreparedPrompt] {
        let tokenizer = model.tokenizer
        let wantsTokenTexts = request.echo && request.logprobs != nil
        let contextLength = configuration.scheduler.contextLength(for: model)
        var prompts: [PreparedPrompt] = []
        switch request.prompt {
        case .texts(let texts):
            for text in texts {
                let tokens = tokenizer.encode(text, addBOS: tokenizer.addsBOSByDefault)
                guard !tokens.isEmpty else {
                    throw .invalidRequest("The prompt is empty and the model adds no BOS token.", param: "prompt")
                }
                prompts.append(PreparedPrompt(tokens: tokens, text: text, tokenizer: tokenizer, wantsTokenTexts: wantsTokenTexts))
            }
        case .tokens(let lists):
            let vocabulary = min(tokenizer.vocabularySize, model.config.vocabularySize)
            for tokens in lists {
                if let bad = tokens.first(where: { Int($0) >= vocabulary }) {
                    throw .invalidRequest("Token id \(bad) is outside the vocabulary (0..<\(vocabulary)).", param: "prompt",
                                          code: "invalid_token")
                }
                prompts.append(PreparedPrompt(tokens: tokens, text: nil, tokenizer: tokenizer, wantsTokenTexts: wantsTokenTexts))
            }
        }
        for prompt in prompts where prompt.tokens.count + request.maxTokens > contextLength {
            throw .invalidRequest("This model's maximum context length is \(contextLength) tokens, however you requested "
                                  + "\(prompt.tokens.count + request.maxTokens) tokens (\(prompt.tokens.count) in your prompt; "
                                  + "\(request.maxTokens) for the completion). Please reduce your prompt or completion length.",
                                  param: "max_tokens", code: "context_length_exceeded")
        }
        return prompts
    }

    /// "cmpl-" and 24 random hex digits.
    static func completionID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return "cmpl-" + String((0..<24).map { _ in digits[Int(generator.next() % 16)] })
    }
}
