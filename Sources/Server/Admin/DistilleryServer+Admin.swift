import HTTP

extension DistilleryServer {
    /// `POST /admin/reload {"model": PATH, "eval": {"data": PATH, "max_bits_per_byte": X}}`: answers once the
    /// model is swapped in (200) or refused (4xx, the old one still serving); 409 while another reload runs.
    func adminReload(_ context: RequestContext, body: [UInt8]) {
        do {
            let fields: RequestFields? = body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
                ? nil : try RequestFields(parsing: body)
            guard let path = try fields?.string("model") ?? configuration.modelPath ?? registry.current?.path else {
                throw APIError.invalidRequest("'model' (the path of the student to load) is required.", param: "model",
                                              code: "missing_required_parameter")
            }
            let evaluation = try fields.flatMap { try Self.evaluationGate($0) }
            let started = reloader.reload(path: path, loader: loader(evaluation: evaluation)) { outcome, model in
                switch outcome.result {
                case .success:
                    var json = JSONWriter()
                    json.beginObject()
                    json.field("status", "swapped")
                    if let model { json.key("model"); Self.describe(model, into: &json) }
                    json.field("previous_version", outcome.previousVersion)
                    json.field("seconds", outcome.seconds)
                    json.endObject()
                    context.respond(json: json, headers: model.map { ["X-Model-Version": $0.version] } ?? [:])
                case .failure(let error):
                    context.fail(error)
                }
            }
            guard started else {
                throw APIError(status: .conflict, message: "A reload is already in progress; try again when it has finished.",
                               type: "invalid_request_error", code: "reload_in_progress")
            }
        } catch {
            context.fail(error as? any APIErrorConvertible ?? APIError.internalError("\(error)"))
        }
    }

    /// `GET /admin/status`: the current model, every model still in memory with its in-flight requests,
    /// swaps, and the last reload's result.
    func adminStatus(_ context: RequestContext) {
        let current = registry.current
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("model")
        if let current { Self.describe(current, into: &json) } else { json.null() }
        json.key("models")
        json.beginArray()
        for model in registry.liveModels {
            json.beginObject()
            json.field("version", model.version)
            json.field("path", model.path)
            json.field("in_flight", model.inFlightRequests)
            json.field("current", model === current)
            json.endObject()
        }
        json.endArray()
        json.field("swaps", registry.swapCount)
        json.field("reload_in_progress", reloader.isInProgress)
        json.key("last_reload")
        if let last = reloader.lastOutcome {
            json.beginObject()
            json.field("path", last.path)
            json.field("finished_at", AccessLog.timestamp(last.finishedAt))
            json.field("seconds", last.seconds)
            switch last.result {
            case .success(let version):
                json.field("ok", true)
                json.field("version", version)
            case .failure(let error):
                json.field("ok", false)
                json.field("code", error.code)
                json.field("error", error.description)
            }
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
        context.respond(json: json, headers: current.map { ["X-Model-Version": $0.version] } ?? [:])
    }

    /// SIGHUP: reload the file the server started with; the result goes to the event log.
    func reloadStartupModel() {
        guard let path = configuration.modelPath ?? registry.current?.path else { return }
        let started = reloader.reload(path: path, loader: loader(evaluation: nil)) { _, _ in }
        if !started {
            configuration.eventLog?(#"{"event":"reload","status":"ignored","reason":"a reload is already in progress"}"#)
        }
    }

    static func describe(_ model: LoadedModel, into json: inout JSONWriter) {
        json.beginObject()
        json.field("version", model.version)
        json.field("path", model.path)
        json.field("name", model.name)
        json.field("architecture", model.config.architecture.rawValue)
        json.field("parameters", model.parameterCount)
        json.field("loaded_at", AccessLog.timestamp(model.loadedAt))
        json.field("in_flight", model.inFlightRequests)
        json.endObject()
    }

    private static func evaluationGate(_ fields: RequestFields) throws(APIError) -> EvaluationGate? {
        guard let value = fields.value("eval") else { return nil }
        guard case .object = value else { throw RequestFields.invalid("eval", "must be an object") }
        let eval = RequestFields(object: value, prefix: "eval.")
        guard let data = try eval.string("data") else {
            throw .invalidRequest("'eval.data' (a held-out text file) is required.", param: "eval.data", code: "missing_required_parameter")
        }
        guard let bound = try eval.double("max_bits_per_byte", range: 0...1000, excludingLower: true) else {
            throw .invalidRequest("'eval.max_bits_per_byte' is required.", param: "eval.max_bits_per_byte",
                                  code: "missing_required_parameter")
        }
        let maxTokens = try eval.int("max_tokens", range: 2...1_000_000) ?? 2048
        return EvaluationGate(dataPath: data, maxBitsPerByte: bound, maxTokens: maxTokens)
    }
}
