import Engine
import HTTP
import Tensors

/// One `POST /v1/completions` from admission to its last byte: its prompts, its choices (n per prompt), and
/// how their output reaches the client. Built on a request thread, handed to the engine thread through
/// the inbox (which orders the hand-over), and from then on touched only by the engine thread.
final class CompletionJob: @unchecked Sendable {
    enum Finish: String {
        case stop, length
    }

    /// What one choice has produced; only non-streaming responses keep the text.
    struct Choice {
        var output = CompletionText.Release()
        var finish: Finish?
        var completionTokens = 0
    }

    let id: String
    let created: Int
    let request: CompletionRequest
    let lease: ModelLease
    let prompts: [PreparedPrompt]
    let context: RequestContext
    let metrics: ServerMetrics
    /// True once answered in full, failed or abandoned: its sequences leave their slots at the next step.
    private(set) var isFinished = false
    private(set) var choices: [Choice]
    private var unfinished: Int
    private var firstTokenAt: UInt64?

    init(id: String, created: Int, request: CompletionRequest, lease: ModelLease, prompts: [PreparedPrompt],
         context: RequestContext, metrics: ServerMetrics) {
        self.id = id
        self.created = created
        self.request = request
        self.lease = lease
        self.prompts = prompts
        self.context = context
        self.metrics = metrics
        choices = Array(repeating: Choice(), count: prompts.count * request.n)
        unfinished = choices.count
    }

    var model: LoadedModel { lease.model }
    var promptTokenCount: Int { prompts.reduce(0) { $0 + $1.tokens.count } }
    var completionTokenCount: Int { choices.reduce(0) { $0 + $1.completionTokens } }

    /// Choice i answers prompt i / n; with a seed, choice j of a prompt samples with seed + j.
    func makeTasks() throws(SamplingError) -> [SequenceTask] {
        var tasks: [SequenceTask] = []
        for (p, prompt) in prompts.enumerated() {
            for j in 0..<request.n {
                let seed = request.seed.map { $0 &+ UInt64(j) } ?? UInt64.random(in: .min ... .max)
                tasks.append(try SequenceTask(job: self, choice: p * request.n + j, prompt: prompt, seed: seed))
            }
        }
        return tasks
    }

    /// The engine has taken the job: a stream's head goes out now.
    func begin() {
        guard request.stream else { return }
        context.startStream(headers: ["X-Model-Version": model.version, "X-Request-Id": id])
    }

    /// A generated token of a choice, counted before its text is released.
    func tokenGenerated(choice: Int, at time: UInt64) {
        choices[choice].completionTokens += 1
        metrics.generationTokens.add(1, ordering: .relaxed)
        if firstTokenAt == nil {
            firstTokenAt = time
            metrics.timeToFirstToken.observe(MonotonicClock.seconds(from: context.arrivedAt, to: time))
        }
    }

    /// Text (and log-probabilities) of a choice that may go out; with `finish`, its last.
    func deliver(choice: Int, _ release: CompletionText.Release, finish: Finish? = nil) {
        guard !isFinished else { return }
        if request.stream {
            if !release.isEmpty || finish != nil {
                context.write(streamChunk(choice: choice, release, finish: finish))
            }
        } else {
            choices[choice].output.append(release)
        }
        guard let finish else { return }
        choices[choice].finish = finish
        metrics.countFinished(reason: finish.rawValue)
        unfinished -= 1
        if unfinished == 0 { complete() }
    }

    private func complete() {
        isFinished = true
        observeEndToEnd()
        if request.stream {
            if request.includeUsage { context.write(usageChunk()) }
            context.write(Self.done)
            context.finishStream(details: logDetails)
        } else {
            context.respond(json: fullResponse(), headers: ["X-Model-Version": model.version, "X-Request-Id": id],
                            details: logDetails)
        }
    }

    /// An error the client did not cause, e.g. a failed forward pass: inside the stream once it has started.
    func fail(_ error: APIError) {
        guard !isFinished else { return }
        isFinished = true
        if request.stream {
            context.write(Self.event(error.json))
            context.write(Self.done)
            context.finishStream(details: logDetails)
        } else {
            context.fail(error, details: logDetails)
        }
    }

    /// The client went away: stop, and let the access log say so.
    func abandon() {
        guard !isFinished else { return }
        isFinished = true
        if request.stream { context.finishStream(details: logDetails) } else { context.fail(APIError.clientClosed, details: logDetails) }
    }

    private func observeEndToEnd() {
        metrics.endToEndLatency.observe(MonotonicClock.seconds(from: context.arrivedAt, to: MonotonicClock.now()))
    }

    private var logDetails: AccessLogDetails {
        AccessLogDetails(requestID: id, model: model.version, promptTokens: promptTokenCount,
                         completionTokens: completionTokenCount,
                         timeToFirstToken: firstTokenAt.map { MonotonicClock.seconds(from: context.arrivedAt, to: $0) })
    }

    static let done: [UInt8] = Array("data: [DONE]\n\n".utf8)

    static func event(_ json: [UInt8]) -> [UInt8] {
        var bytes = Array("data: ".utf8)
        bytes.reserveCapacity(json.count + 8)
        bytes += json
        bytes += [0x0A, 0x0A]
        return bytes
    }
}

extension APIError {
    /// Only the access log ever sees it: the client is gone.
    static let clientClosed = APIError(status: HTTPStatus(code: 499, reasonPhrase: "Client Closed Request"),
                                       message: "The client closed the connection.", type: "invalid_request_error",
                                       code: "client_closed")
}
