import COpenBLAS

/// out = inp @ weight^T for a linear layer whose weight is stored [OC, IC] row-major (ggml's layout).
/// Both directions go through OpenBLAS: these products are nearly all of a training step's FLOPs.
package enum Matmul {
    /// out [N, OC] = inp [N, IC] @ weight[OC, IC]^T, with N = B*T rows.
    package static func forward(
        _ out: UnsafeMutablePointer<Float>,
        _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        _ N: Int, _ IC: Int, _ OC: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(OC), Int32(IC),
                    1, inp, Int32(IC), weight, Int32(IC), 0, out, Int32(OC))
    }

    /// dinp [N, IC] += dout [N, OC] @ weight [OC, IC]; dweight [OC, IC] += dout^T @ inp.
    /// Both accumulate, like llm.c: dinp may already hold another branch's gradient and dweight
    /// sums over the micro-batches of one optimizer step.
    package static func backward(
        _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>,
        _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        _ N: Int, _ IC: Int, _ OC: Int
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(IC), Int32(OC),
                    1, dout, Int32(OC), weight, Int32(IC), 1, dinp, Int32(IC))
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(OC), Int32(IC), Int32(N),
                    1, dout, Int32(OC), inp, Int32(IC), 1, dweight, Int32(IC))
    }
}
