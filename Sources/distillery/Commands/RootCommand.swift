/// `distillery`: the root, listing every subcommand.
enum RootCommand {
    static let spec = CommandSpec(
        name: "distillery",
        abstract: "Distill small language models from a GGUF teacher and serve them fast.",
        usage: "distillery <subcommand> [options]",
        subcommands: [GenerateCommand.spec, EvalCommand.spec, TokenizeCommand.spec, InspectCommand.spec, DistillCommand.spec,
                      AdminCommand.spec])

    static let group = CommandGroup(spec: spec, commands: [
        "generate": GenerateCommand.main,
        "eval": EvalCommand.main,
        "tokenize": TokenizeCommand.main,
        "inspect": InspectCommand.main,
        "distill": DistillCommand.main,
        "admin": AdminCommand.group.main,
    ])
}
