#if canImport(Glibc)
import Glibc
#endif

OpenBLASCoreSelection.applyAndReexecIfNeeded()
exit(RootCommand.group.main(Array(CommandLine.arguments.dropFirst())))
