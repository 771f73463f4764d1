import Foundation
import MoEKernels
import MoEModels
import MoERuntime
import XCTest

final class GeneratorTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models").path

    func reference(_ name: String) throws -> (ids: [Int], greedy: [Int]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/\(name)/reference.json"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try XCTUnwrap(json["input_ids"] as? [Int]), try XCTUnwrap(json["greedy_ids"] as? [Int]))
    }

    func testGreedyGenerationMatchesTransformers() throws {
        for name in ["qwen3_moe-base", "olmoe-base"] {
            let model = try Transformer(path: "\(Self.fixtures)/\(name)", pool: ThreadPool(threadCount: 2))
            let ref = try reference(name)
            var streamed: [Int] = []
            let result = try Generator(model: model).generate(
                prompt: ref.ids, maxTokens: ref.greedy.count, sampling: SamplingParameters(),
                stopAtEndOfSequence: false
            ) { streamed.append($0); return true }
            XCTAssertEqual(result.ids, ref.greedy, name)
            XCTAssertEqual(streamed, ref.greedy, "\(name): streamed tokens")
            XCTAssertEqual(result.stopReason, .length)
            XCTAssertEqual(result.stepSeconds.count, ref.greedy.count - 1)
        }
    }

    func testSeededSamplingIsReproducibleAndCallbackCanStop() throws {
        let model = try Transformer(path: "\(Self.fixtures)/mixtral-gqa", pool: ThreadPool(threadCount: 1))
        let p = SamplingParameters(temperature: 1.5, topK: 20, seed: 42)
        let g = Generator(model: model)
        let a = try g.generate(prompt: [1, 2, 3], maxTokens: 12, sampling: p, stopAtEndOfSequence: false)
        let b = try g.generate(prompt: [1, 2, 3], maxTokens: 12, sampling: p, stopAtEndOfSequence: false)
        XCTAssertEqual(a.ids, b.ids)
        XCTAssertEqual(a.ids.count, 12)
        var seen = 0
        let c = try g.generate(prompt: [1, 2, 3], maxTokens: 12, sampling: p, stopAtEndOfSequence: false) { _ in
            seen += 1
            return seen < 3
        }
        XCTAssertEqual(c.ids, Array(a.ids.prefix(3)))
        XCTAssertEqual(c.stopReason, .cancelled)
    }
}

final class GenerationSessionTests: XCTestCase {
    func testFollowUpReusesTheCachedPrefixAndMatchesAFreshRun() throws {
        let model = try Transformer(path: "\(GeneratorTests.fixtures)/qwen3_moe-base", pool: ThreadPool(threadCount: 2))
        let session = GenerationSession(model: model, capacity: 64)
        let first = try session.generate(prompt: [5, 9, 12, 40], maxTokens: 6, sampling: SamplingParameters(), stopAtEndOfSequence: false)
        XCTAssertEqual(first.reusedPromptTokens, 0)
        // A second turn: the old context, the reply, and new user tokens.
        let followUp = [5, 9, 12, 40] + first.ids + [3, 77, 101]
        let second = try session.generate(prompt: followUp, maxTokens: 6, sampling: SamplingParameters(), stopAtEndOfSequence: false)
        XCTAssertEqual(second.reusedPromptTokens, 4 + first.ids.count - 1, "everything but the last reply token was cached")
        let fresh = try Generator(model: model).generate(prompt: followUp, maxTokens: 6, sampling: SamplingParameters(), stopAtEndOfSequence: false)
        XCTAssertEqual(second.ids, fresh.ids)
        // A prompt that diverges early reuses only the common prefix.
        let third = try session.generate(prompt: [5, 9, 99], maxTokens: 3, sampling: SamplingParameters(), stopAtEndOfSequence: false)
        XCTAssertEqual(third.reusedPromptTokens, 2)
        let freshThird = try Generator(model: model).generate(prompt: [5, 9, 99], maxTokens: 3, sampling: SamplingParameters(), stopAtEndOfSequence: false)
        XCTAssertEqual(third.ids, freshThird.ids)
    }

    func testHybridModelResumesFromItsRecurrentCheckpointsAndMatchesFreshRuns() throws {
        let model = try Transformer(path: "\(GeneratorTests.fixtures)/qwen3_next-base", pool: ThreadPool(threadCount: 2))
        let session = GenerationSession(model: model, capacity: 64)
        let greedy = SamplingParameters()
        func fresh(_ prompt: [Int], _ count: Int) throws -> [Int] {
            try Generator(model: model).generate(prompt: prompt, maxTokens: count, sampling: greedy, stopAtEndOfSequence: false).ids
        }
        let prompt = [5, 9, 12, 40, 7]
        let first = try session.generate(prompt: prompt, maxTokens: 6, sampling: greedy, stopAtEndOfSequence: false)
        // The next turn extends everything cached: the recurrent state simply continues.
        let followUp = prompt + first.ids + [3, 77, 61]
        let second = try session.generate(prompt: followUp, maxTokens: 5, sampling: greedy, stopAtEndOfSequence: false)
        XCTAssertEqual(second.reusedPromptTokens, prompt.count + first.ids.count - 1)
        XCTAssertEqual(second.ids, try fresh(followUp, 5))
        // A turn that rewrites the first reply resumes from the checkpoint before the first
        // prompt's last token instead of recomputing the conversation.
        let edited = prompt + [first.ids[0], 88, 89]
        let third = try session.generate(prompt: edited, maxTokens: 4, sampling: greedy, stopAtEndOfSequence: false)
        XCTAssertEqual(third.reusedPromptTokens, prompt.count - 1)
        XCTAssertEqual(third.ids, try fresh(edited, 4))
        // The same prompt again resumes from its own checkpoint.
        let again = try session.generate(prompt: edited, maxTokens: 4, sampling: greedy, stopAtEndOfSequence: false)
        XCTAssertEqual(again.reusedPromptTokens, edited.count - 1)
        XCTAssertEqual(again.ids, third.ids)
        // Diverging before every checkpoint starts over.
        let other = try session.generate(prompt: [5, 9, 50], maxTokens: 3, sampling: greedy, stopAtEndOfSequence: false)
        XCTAssertEqual(other.reusedPromptTokens, 0)
        XCTAssertEqual(other.ids, try fresh([5, 9, 50], 3))
    }

    func testGenerationStopsAtTheContextAndALongerPromptIsAnError() throws {
        let model = try Transformer(path: "\(GeneratorTests.fixtures)/qwen3_moe-base", pool: ThreadPool(threadCount: 1))
        let session = GenerationSession(model: model, capacity: 8)
        let result = try session.generate(prompt: [1, 2, 3, 4, 5], maxTokens: 8, sampling: SamplingParameters(), stopAtEndOfSequence: false)
        XCTAssertEqual(result.ids.count, 3, "prompt and reply fill the 8 positions")
        XCTAssertEqual(result.stopReason, .contextFull)
        XCTAssertThrowsError(try session.generate(prompt: Array(1...9), maxTokens: 1, sampling: SamplingParameters())) { error in
            XCTAssertEqual(error as? ModelError, .contextFull(needed: 9, capacity: 8))
        }
        let context = model.config.maxPositionEmbeddings
        let long = try Generator(model: model).generate(prompt: [1, 2], maxTokens: Int.max, sampling: SamplingParameters(),
                                                        stopAtEndOfSequence: false)
        XCTAssertEqual(long.ids.count, context - 2)
        XCTAssertEqual(long.stopReason, .contextFull)
    }
}
