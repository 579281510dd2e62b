import HTTP
import Tensors
import Tokenizer

extension DistilleryServer {
    /// 200 when a model is in and the server is not shutting down, else 503 (load balancers stop routing).
    func health(_ context: RequestContext) {
        if isDraining {
            context.fail(APIError.unavailable("The server is shutting down.", code: "shutting_down", retryAfterSeconds: nil))
            return
        }
        guard let model = registry.current else {
            context.fail(APIError.unavailable("The model is still loading.", code: "model_loading"))
            return
        }
        var json = JSONWriter()
        json.beginObject()
        json.field("status", "ok")
        json.field("model", model.version)
        json.endObject()
        context.respond(json: json, headers: ["X-Model-Version": model.version])
    }

    /// OpenAI's model list: the one model new requests get, by version.
    func models(_ context: RequestContext) {
        var json = JSONWriter()
        json.beginObject()
        json.field("object", "list")
        json.key("data")
        json.beginArray()
        let model = registry.current
        if let model {
            json.beginObject()
            json.field("id", model.version)
            json.field("object", "model")
            json.field("created", Int(model.loadedAt))
            json.field("owned_by", "distillery")
            json.field("root", model.path)
            json.field("name", model.name)
            json.field("architecture", model.config.architecture.rawValue)
            json.field("parameters", model.parameterCount)
            json.field("max_model_len", configuration.scheduler.contextLength(for: model))
            json.endObject()
        }
        json.endArray()
        json.endObject()
        context.respond(json: json, headers: model.map { ["X-Model-Version": $0.version] } ?? [:])
    }

    func metricsText(_ context: RequestContext) {
        let text = metrics.render(ServerMetrics.Context(
            slots: configuration.scheduler.slots, connections: transportConnectionCount,
            loopStarvations: transportLoopStarvations, current: registry.current,
            live: registry.liveModels, swaps: registry.swapCount, memory: JemallocStats.snapshot(),
            mappedArrayBytes: HugePageMapping.mappedBytes))
        context.respond(HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: text))
    }

    /// vLLM's `/tokenize`: `{"prompt": text, "add_special_tokens": true}` (llama.cpp's `content` also works)
    /// → `{"tokens", "count", "max_model_len"}`.
    func tokenize(_ context: RequestContext, body: [UInt8]) {
        do {
            let fields = try RequestFields(parsing: body)
            let model = try servingModel(named: try fields.string("model"))
            guard let text = try fields.string("prompt") ?? fields.string("content") else {
                throw APIError.invalidRequest("'prompt' is required.", param: "prompt", code: "missing_required_parameter")
            }
            let addSpecial = try fields.bool("add_special_tokens") ?? true
            let tokenizer = model.tokenizer
            let tokens = tokenizer.encode(text, addBOS: addSpecial && tokenizer.addsBOSByDefault,
                                          addEOS: addSpecial && tokenizer.addsEOSByDefault)
            var json = JSONWriter()
            json.beginObject()
            json.key("tokens")
            json.beginArray()
            for token in tokens { json.value(Int(token)) }
            json.endArray()
            json.field("count", tokens.count)
            json.field("max_model_len", configuration.scheduler.contextLength(for: model))
            json.endObject()
            context.respond(json: json, headers: ["X-Model-Version": model.version])
        } catch {
            context.fail(error as? any APIErrorConvertible ?? APIError.internalError("\(error)"))
        }
    }

    /// vLLM's `/detokenize`: `{"tokens": [ids]}` → `{"prompt": text}`.
    func detokenize(_ context: RequestContext, body: [UInt8]) {
        do {
            let fields = try RequestFields(parsing: body)
            let model = try servingModel(named: try fields.string("model"))
            guard case .array(let items)? = fields.value("tokens") else {
                throw APIError.invalidRequest("'tokens' must be an array of token ids.", param: "tokens", code: "invalid_value")
            }
            var ids: [Int32] = []
            for item in items {
                guard let id = RequestFields.integer(item), let id32 = Int32(exactly: id), model.tokenizer.isValid(id32) else {
                    throw APIError.invalidRequest("'tokens' holds \(item == .null ? "null" : "an id") outside the vocabulary "
                                                  + "(0..<\(model.tokenizer.vocabularySize)).", param: "tokens", code: "invalid_token")
                }
                ids.append(id32)
            }
            var json = JSONWriter()
            json.beginObject()
            json.field("prompt", model.tokenizer.decode(ids))
            json.endObject()
            context.respond(json: json, headers: ["X-Model-Version": model.version])
        } catch {
            context.fail(error as? any APIErrorConvertible ?? APIError.internalError("\(error)"))
        }
    }
}
