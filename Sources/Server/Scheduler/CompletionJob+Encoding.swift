/// The JSON of completions, written with `JSONWriter` on the engine thread (no Foundation on this path).
extension CompletionJob {
    /// `data: {"id", "object": "text_completion", "created", "model", "system_fingerprint", "choices": [one]}`
    func streamChunk(choice: Int, _ release: CompletionText.Release, finish: Finish?) -> [UInt8] {
        var json = JSONWriter(capacity: 256 + release.text.count)
        json.beginObject()
        header(&json)
        json.key("choices")
        json.beginArray()
        choiceObject(&json, index: choice, text: release.text, tokens: release.tokens, finish: finish)
        json.endArray()
        if request.includeUsage { json.nullField("usage") }
        json.endObject()
        return Self.event(json.bytes)
    }

    /// The last chunk before `[DONE]` when `stream_options.include_usage`: no choices, the usage.
    func usageChunk() -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        header(&json)
        json.key("choices")
        json.beginArray()
        json.endArray()
        usage(&json)
        json.endObject()
        return Self.event(json.bytes)
    }

    func fullResponse() -> JSONWriter {
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        header(&json)
        json.key("choices")
        json.beginArray()
        for (index, choice) in choices.enumerated() {
            choiceObject(&json, index: index, text: choice.output.text, tokens: choice.output.tokens, finish: choice.finish)
        }
        json.endArray()
        usage(&json)
        json.endObject()
        return json
    }

    private func header(_ json: inout JSONWriter) {
        json.field("id", id)
        json.field("object", "text_completion")
        json.field("created", created)
        json.field("model", model.version)
        json.field("system_fingerprint", model.version)
    }

    private func choiceObject(_ json: inout JSONWriter, index: Int, text: [UInt8], tokens: [LogprobEntry], finish: Finish?) {
        json.beginObject()
        json.key("text")
        json.value(utf8: text)
        json.field("index", index)
        json.key("logprobs")
        if request.logprobs != nil { json.logprobs(tokens) } else { json.null() }
        json.field("finish_reason", finish?.rawValue)
        json.endObject()
    }

    private func usage(_ json: inout JSONWriter) {
        let completion = completionTokenCount
        json.key("usage")
        json.beginObject()
        json.field("prompt_tokens", promptTokenCount)
        json.field("completion_tokens", completion)
        json.field("total_tokens", promptTokenCount + completion)
        json.endObject()
    }
}
