/// The fast kernels. Signatures put outputs first, then inputs, then sizes; shapes use T tokens, N output
/// rows, K input columns, NH heads, NKV key/value heads, HS head size. Every function here has a naive twin
/// with the same signature in `NaiveKernel`, which the tests hold it to.
public enum Kernel {}

/// Plain loops with the same signatures as `Kernel`, the reference the fast kernels are tested against.
public enum NaiveKernel {}
