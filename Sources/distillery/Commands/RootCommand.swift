/// `distillery`: the root, listing every subcommand.
enum RootCommand {
    static let spec = CommandSpec(
        name: "distillery",
        abstract: "Distill small language models from a GGUF teacher and serve them fast.",
        usage: "distillery <subcommand> [options]",
        subcommands: [ServeCommand.spec, GenerateCommand.spec, DistillCommand.spec, EvalCommand.spec, BenchCommand.spec,
                      AdminCommand.spec, QuantizeCommand.spec,
                      TokenizeCommand.spec, InspectCommand.spec])

    static let group = CommandGroup(spec: spec, commands: [
        "generate": GenerateCommand.main,
        "bench": BenchCommand.main,
        "eval": EvalCommand.main,
        "tokenize": TokenizeCommand.main,
        "inspect": InspectCommand.main,
        "quantize": QuantizeCommand.main,
        "serve": ServeCommand.main,
        "distill": DistillCommand.main,
        "admin": AdminCommand.group.main,
    ])
}
