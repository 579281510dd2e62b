/// libFuzzer target: a JSON body to a validated completion request (Sources/Server/API/CompletionRequest.swift).
///
/// Input: any bytes, as a `POST /v1/completions` body. Properties:
/// - a refusal is a 4xx `APIError` whose JSON body parses and says what went wrong;
/// - an accepted request keeps every bound the engine relies on (prompts, choices, stop sequences,
///   log-probabilities, sampling ranges);
/// - an accepted request, written back as JSON with only the fields it holds, validates to an equal request.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let request: CompletionRequest
    do {
        request = try CompletionRequest(json: body)
    } catch {
        checkRefusal(error)
        return 0
    }
    checkBounds(request)
    let again: CompletionRequest
    do {
        again = try CompletionRequest(json: encode(request))
    } catch {
        fatalError("an accepted request written back was refused: \(error)")
    }
    require(again == request, "written back, the request changed:\n\(request)\nvs\n\(again)")
    return 0
}

private func checkRefusal(_ error: APIError) {
    require((400..<500).contains(error.status.code), "a bad body answered \(error.status.code)")
    guard case .object = (try? JSONParser.parse(error.json)), let details = (try? JSONParser.parse(error.json))?["error"],
          case .string(let message) = details["message"], !message.isEmpty else {
        fatalError("the error body is not an OpenAI error object: \(String(decoding: error.json, as: UTF8.self))")
    }
}

private func checkBounds(_ request: CompletionRequest) {
    let count = request.prompt.count
    require(count >= 1 && request.n >= 1 && request.n <= CompletionRequest.maxChoices, "prompt count \(count), n \(request.n)")
    require(request.sequenceCount <= CompletionRequest.maxChoices * 4, "\(request.sequenceCount) sequences")
    if case .tokens(let lists) = request.prompt {
        require(lists.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 >= 0 } }, "empty list or negative token id")
    } else {
        require(count <= CompletionRequest.maxPrompts, "\(count) text prompts")
    }
    require(request.maxTokens >= 0, "max_tokens \(request.maxTokens)")
    require(request.stop.count <= CompletionRequest.maxStopSequences
        && request.stop.allSatisfy { !$0.isEmpty && $0.utf8.count <= CompletionRequest.maxStopBytes }, "stop \(request.stop)")
    require(request.logprobs.map { (0...CompletionRequest.maxLogprobs).contains($0) } ?? true, "logprobs")
    require(!request.includeUsage || request.stream, "include_usage without stream")
    do { try request.sampling.validate() } catch { fatalError("accepted sampling parameters: \(error)") }
}

/// The request's own fields as a body, every one explicit.
private func encode(_ request: CompletionRequest) -> [UInt8] {
    var json = JSONWriter()
    json.beginObject()
    if let model = request.model { json.field("model", model) }
    json.key("prompt")
    json.beginArray()
    switch request.prompt {
    case .texts(let texts): for text in texts { json.value(text) }
    case .tokens(let lists):
        for ids in lists {
            json.beginArray()
            for id in ids { json.value(Int(id)) }
            json.endArray()
        }
    }
    json.endArray()
    json.field("max_tokens", request.maxTokens)
    json.field("n", request.n)
    json.field("stream", request.stream)
    if request.stream {
        json.key("stream_options")
        json.beginObject()
        json.field("include_usage", request.includeUsage)
        json.endObject()
    }
    json.field("echo", request.echo)
    if let logprobs = request.logprobs { json.field("logprobs", logprobs) }
    if let user = request.user { json.field("user", user) }
    json.field("ignore_eos", request.ignoreEOS)
    if let seed = request.seed { json.key("seed"); json.raw(Array(String(Int64(bitPattern: seed)).utf8)) }
    json.key("stop")
    json.beginArray()
    for stop in request.stop { json.value(stop) }
    json.endArray()
    let sampling = request.sampling
    json.field("temperature", sampling.temperature)
    json.field("top_p", sampling.topP)
    json.field("top_k", sampling.topK)
    json.field("min_p", sampling.minP)
    json.field("presence_penalty", sampling.presencePenalty)
    json.field("frequency_penalty", sampling.frequencyPenalty)
    json.field("repetition_penalty", sampling.repetitionPenalty)
    json.endObject()
    return json.bytes
}
