import Foundation

/// `distillery-loadgen chart`: the SVG charts of a `Benchmarks/results/<date>.json` file.
struct ChartCommand {
    static let help = """
        OVERVIEW: Draw the SVG charts of a benchmark results file.

        USAGE: distillery-loadgen chart --results <file> --out-dir <dir>

        OPTIONS:
          --results <file>        A results JSON written by Benchmarks/run-all.sh
          --out-dir <dir>         Where to write the .svg files (created if missing)
          -h, --help              Show help information
        """

    static let valueOptions: Set<String> = ["--results", "--out-dir"]

    var resultsPath: String
    var outputDirectory: String

    init(_ arguments: Arguments) throws(UsageError) {
        guard let results = arguments.string("--results") else { throw UsageError("--results <file> is required") }
        guard let directory = arguments.string("--out-dir") else { throw UsageError("--out-dir <dir> is required") }
        resultsPath = results
        outputDirectory = directory
    }

    func run() throws -> Int32 {
        let input = try ChartInput.load(path: resultsPath)
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        for (name, chart) in BenchmarkCharts.charts(for: input) {
            let path = (outputDirectory as NSString).appendingPathComponent(name)
            try Data(chart.render().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            print(path)
        }
        return 0
    }
}
