/// `distillery`: the root, listing every subcommand.
enum RootCommand {
    static let spec = CommandSpec(
        name: "distillery",
        abstract: "Distill small language models from a GGUF teacher and serve them fast.",
        usage: "distillery <subcommand> [options]",
        subcommands: [ServeCommand.spec, GenerateCommand.spec, BenchCommand.spec, EvalCommand.spec, AdminCommand.spec,
                      TokenizeCommand.spec, InspectCommand.spec])

    static let group = CommandGroup(spec: spec, commands: [
        "generate": GenerateCommand.main,
        "bench": BenchCommand.main,
        "eval": EvalCommand.main,
        "tokenize": TokenizeCommand.main,
        "inspect": InspectCommand.main,
        "serve": ServeCommand.main,
        "admin": AdminCommand.group.main,
    ])
}
