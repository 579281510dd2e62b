import Foundation

/// The part of a results file (`Benchmarks/results/<date>.json`) the charts draw: the serving sweep over
/// concurrency, and the latency CDFs at one concurrency. Other keys are ignored.
struct ChartInput: Decodable, Equatable {
    struct Percentiles: Decodable, Equatable {
        var p50: Double
        var p99: Double
    }

    struct SweepPoint: Decodable, Equatable {
        var server: String
        var concurrency: Int
        var ttftMs: Percentiles
        var itlMs: Percentiles
        var tokensPerSecond: Double
    }

    struct CDFSeries: Decodable, Equatable {
        var server: String
        var ttftMs: [Double]
        var itlMs: [Double]
    }

    struct CDF: Decodable, Equatable {
        var concurrency: Int
        /// Cumulative fractions, one per value of each series.
        var levels: [Double]
        var servers: [CDFSeries]
    }

    struct Serving: Decodable, Equatable {
        var concurrencySweep: [SweepPoint]
        var cdf: CDF?
    }

    var serving: Serving

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    static func load(path: String) throws -> ChartInput {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(description: "cannot read \(path): \(error.localizedDescription)")
        }
        return try decode(data, path: path)
    }

    static func decode(_ data: Data, path: String) throws -> ChartInput {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(ChartInput.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            let keyPath = (context.codingPath + [key]).map { snakeCase($0.stringValue) }.joined(separator: ".")
            throw LoadError(description: "\(path): missing '\(keyPath)'")
        } catch {
            throw LoadError(description: "\(path): not a benchmark results file (\(error))")
        }
    }

    /// The key as the file spells it: `concurrencySweep` -> `concurrency_sweep`.
    private static func snakeCase(_ key: String) -> String {
        key.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
