#if canImport(Glibc)
import Glibc
#endif

exit(LoadGeneratorCommand.main(Array(CommandLine.arguments.dropFirst())))
