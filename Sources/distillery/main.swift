#if canImport(Glibc)
import Glibc
#endif

exit(RootCommand.group.main(Array(CommandLine.arguments.dropFirst())))
