/// `distillery`: the root, listing every subcommand.
enum RootCommand {
    static let spec = CommandSpec(
        name: "distillery",
        abstract: "Distill small language models from a GGUF teacher and serve them fast.",
        usage: "distillery <subcommand> [options]",
        subcommands: [InspectCommand.spec, ServeCommand.spec, AdminCommand.spec])

    static let group = CommandGroup(spec: spec, commands: [
        "inspect": InspectCommand.main,
        "serve": ServeCommand.main,
        "admin": AdminCommand.group.main,
    ])
}
