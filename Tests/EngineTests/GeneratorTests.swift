import XCTest
import Engine

/// A model that always favours the token after the one it was fed (mod V), so the generator's logic is tested
/// without numerics: fed t, it gives logit 5 to t + 1 and 0 elsewhere.
final class CountingModel: LanguageModel {
    final class State: ModelState {
        let config: ModelConfig
        let contextLength: Int
        var logits: [Float]
        var fed: [Int32] = []
        init(config: ModelConfig, contextLength: Int) {
            self.config = config
            self.contextLength = contextLength
            logits = [Float](repeating: 0, count: config.vocabularySize)
        }
    }

    let config: ModelConfig

    init(vocabularySize: Int, eos: Int32?) {
        config = ModelConfig(architecture: .llama, embeddingLength: 8, layerCount: 1, headCount: 1, kvHeadCount: 1,
                             headSize: 8, feedForwardLength: 8, contextLength: 64, vocabularySize: vocabularySize,
                             bosTokenID: 1, eosTokenID: eos)
    }

    func makeState(contextLength: Int?) -> any ModelState {
        State(config: config, contextLength: contextLength ?? config.contextLength)
    }

    func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        let state = state as! State
        guard position < state.contextLength else {
            throw .contextFull(position: position, contextLength: state.contextLength)
        }
        XCTAssertEqual(position, state.fed.count, "positions must follow each other")
        state.fed.append(token)
        for i in state.logits.indices { state.logits[i] = 0 }
        state.logits[(Int(token) + 1) % config.vocabularySize] = 5
        return state.logits.withUnsafeBufferPointer { $0 }
    }
}

final class GeneratorTests: XCTestCase {
    private func run(_ model: CountingModel, prompt: [Int32], context: Int = 64, _ options: GenerationOptions,
                     parameters: SamplingParameters = .greedy,
                     stopAfter: Int = .max) throws -> (FinishReason, [GeneratedToken], CountingModel.State) {
        var sampler = try Sampler(parameters)
        var tokens: [GeneratedToken] = []
        let state = model.makeState(contextLength: context) as! CountingModel.State
        let finish = try Generator(model: model).generate(prompt: prompt, state: state, sampler: &sampler,
                                                          options: options) {
            tokens.append($0)
            return tokens.count >= stopAfter ? .stop : .proceed
        }
        return (finish, tokens, state)
    }

    func testStopsAfterMaxTokens() throws {
        let (finish, tokens, state) = try run(CountingModel(vocabularySize: 100, eos: 2), prompt: [1, 10],
                                              GenerationOptions(maxTokens: 4))
        XCTAssertEqual(finish, .length)
        XCTAssertEqual(tokens.map(\.id), [11, 12, 13, 14])
        // the last token is streamed but never fed: nothing needs its logits
        XCTAssertEqual(state.fed, [1, 10, 11, 12, 13])
    }

    func testStopsAtEndOfSequenceWithoutStreamingIt() throws {
        let (finish, tokens, _) = try run(CountingModel(vocabularySize: 100, eos: 14), prompt: [1, 10],
                                          GenerationOptions(maxTokens: 10))
        XCTAssertEqual(finish, .endOfSequence)
        XCTAssertEqual(tokens.map(\.id), [11, 12, 13])
        let custom = try run(CountingModel(vocabularySize: 100, eos: 14), prompt: [1, 10],
                             GenerationOptions(maxTokens: 10, stopTokens: [12]))
        XCTAssertEqual(custom.1.map(\.id), [11])
    }

    func testTheCallbackCanStop() throws {
        let (finish, tokens, _) = try run(CountingModel(vocabularySize: 100, eos: nil), prompt: [1],
                                          GenerationOptions(maxTokens: 10), stopAfter: 2)
        XCTAssertEqual(finish, .stopped)
        XCTAssertEqual(tokens.map(\.id), [2, 3])
    }

    func testStopsWhenTheContextIsFull() throws {
        let (finish, tokens, _) = try run(CountingModel(vocabularySize: 100, eos: nil), prompt: [1, 2, 3], context: 5,
                                          GenerationOptions(maxTokens: 10))
        XCTAssertEqual(finish, .contextFull)
        XCTAssertEqual(tokens.map(\.id), [4, 5, 6])
        XCTAssertThrowsError(try run(CountingModel(vocabularySize: 100, eos: nil), prompt: [1, 2, 3], context: 2,
                                     GenerationOptions(maxTokens: 10)))
    }

    func testStreamsLogprobsOfTheFullSoftmax() throws {
        let (_, tokens, _) = try run(CountingModel(vocabularySize: 10, eos: nil), prompt: [1],
                                     GenerationOptions(maxTokens: 1, topLogprobs: 3))
        let expected = Float(5 - log(exp(5.0) + 9))
        XCTAssertEqual(tokens[0].logprob, expected, accuracy: 1e-5)
        XCTAssertEqual(tokens[0].topLogprobs.map(\.id), [2, 0, 1])
        XCTAssertEqual(tokens[0].topLogprobs[1].logprob, Float(-log(exp(5.0) + 9)), accuracy: 1e-5)
    }

    func testPromptTokensFeedThePenalties() throws {
        // the favoured next token appears three times in the prompt: 5 - 3 * 2 - 2 < 0
        let parameters = SamplingParameters(temperature: 0, presencePenalty: 2, frequencyPenalty: 2)
        let (_, tokens, _) = try run(CountingModel(vocabularySize: 100, eos: nil), prompt: [1, 11, 11, 11, 10],
                                     GenerationOptions(maxTokens: 1), parameters: parameters)
        XCTAssertEqual(tokens[0].id, 0)
        let unpenalized = try run(CountingModel(vocabularySize: 100, eos: nil), prompt: [1, 11, 11, 11, 10],
                                  GenerationOptions(maxTokens: 1))
        XCTAssertEqual(unpenalized.1[0].id, 11)
    }
}
