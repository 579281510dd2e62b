/// The result of matching `CommandLine.arguments` against a `CommandSpec`, with typed, validated accessors.
struct ParsedArguments {
    let spec: CommandSpec
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []

    init(_ arguments: [String], spec: CommandSpec) throws {
        self.spec = spec
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" || Double(argument) != nil {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            if CommonOptions.help.names.contains(name) { throw HelpRequested(spec: spec) }
            guard let option = spec.options.first(where: { $0.names.contains(name) }) else {
                throw UsageError("unknown option '\(name)'")
            }
            if option.valueName == nil {
                guard inlineValue == nil else { throw UsageError("option '\(name)' takes no value") }
                flags.insert(option.key)
                continue
            }
            if let inlineValue {
                values[option.key, default: []].append(inlineValue)
            } else {
                guard index < arguments.count else { throw UsageError("option '\(name)' needs a value \(option.valueName!)") }
                values[option.key, default: []].append(arguments[index])
                index += 1
            }
        }
        let required = spec.arguments.filter { !$0.isOptional }.count
        guard positionals.count >= required else {
            throw UsageError("missing argument \(spec.arguments[positionals.count].name)")
        }
        guard positionals.count <= spec.arguments.count else {
            throw UsageError("unexpected argument '\(positionals[spec.arguments.count])'")
        }
    }

    func flag(_ key: String) -> Bool { flags.contains(key) }

    /// The last value given for `key`, or the option's default.
    func string(_ key: String) -> String? {
        values[key]?.last ?? spec.options.first { $0.key == key }?.defaultValue
    }

    func strings(_ key: String) -> [String] { values[key] ?? [] }

    func required(_ key: String) throws -> String {
        guard let value = string(key) else { throw UsageError("missing required option \(key)") }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text) else { throw UsageError("\(key) expects an integer, got '\(text)'") }
        if let range, !range.contains(value) {
            throw UsageError("\(key) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func double(_ key: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let text = string(key) else { return nil }
        guard let value = Double(text), value.isFinite else { throw UsageError("\(key) expects a number, got '\(text)'") }
        if let range, !range.contains(value) {
            throw UsageError("\(key) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func positional(_ index: Int) -> String? { index < positionals.count ? positionals[index] : nil }

    /// Exactly one of several mutually exclusive options.
    func exactlyOne(_ keys: String...) throws -> String {
        let given = keys.filter { values[$0] != nil }
        guard given.count == 1 else {
            throw UsageError(given.isEmpty ? "one of \(keys.joined(separator: ", ")) is required"
                                           : "\(given.joined(separator: " and ")) cannot be used together")
        }
        return given[0]
    }
}
