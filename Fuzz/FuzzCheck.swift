/// A property check for the fuzz targets: unlike `precondition`, it prints its message in optimized
/// builds, so a crash report says which property broke.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}
