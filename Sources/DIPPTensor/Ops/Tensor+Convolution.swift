import CDIPPBackend
import Foundation

/// 2-D convolution (cross-correlation, as in PyTorch) through oneDNN's convolution primitives.
///
/// `input [N, C, H, W]`, `weight [O, C, KH, KW]` → `[N, O, H′, W′]` with
/// `H′ = (H + 2·padding − KH)/stride + 1` (likewise `W′`), zero padding:
/// `y[n,o,i,j] = Σ_{c,u,v} x[n, c, i·s − p + u, j·s − p + v] · W[o,c,u,v]`.
/// VJP: `∂x` and `∂W` by oneDNN's backward-data and backward-weights primitives (the
/// transposed convolution of `G` with `W`, and the correlation of `x` with `G`).
/// Measured against the im2col + GEMM path it replaced: Documentation/Performance.md. With
/// ``Compute/precision`` bf16, the primitives read their inputs rounded to bfloat16.
extension Tensor {
    /// Convolves `self` (`[N, C, H, W]`) with `weight` (`[O, C, KH, KW]`); no bias. `precision`
    /// overrides ``Compute/precision`` for this call.
    public func conv2d(_ weight: Tensor, stride: Int = 1, padding: Int = 0, precision: Compute.Precision? = nil) -> Tensor {
        precondition(rank == 4 && weight.rank == 4 && weight.shape[1] == shape[1],
                     "conv2d: input \(shape) and weight \(weight.shape) must be [N,C,H,W] and [O,C,KH,KW]")
        precondition(stride >= 1 && padding >= 0, "conv2d: stride must be ≥ 1 and padding ≥ 0")
        let (oh, ow) = ((shape[2] + 2 * padding - weight.shape[2]) / stride + 1, (shape[3] + 2 * padding - weight.shape[3]) / stride + 1)
        precondition(oh > 0 && ow > 0, "conv2d: kernel \(weight.shape[2])x\(weight.shape[3]) does not fit \(shape[2])x\(shape[3]) with padding \(padding)")
        let outShape = [shape[0], weight.shape[0], oh, ow]
        let conv = Convolution.primitive(ConvolutionShape(input: shape, kernel: weight.shape, stride: stride, padding: padding,
                                                                  bf16: (precision ?? Compute.precision) == .bf16))
        let (x, w) = (storage, weight.storage)
        let y = conv.run(count: Shape.count(outShape)) { dipp_conv_forward($0, x, w, $1) }
        return Tensor.result(shape: outShape, storage: y, inputs: [self, weight]) { g, needed in
            [needed[0] ? conv.run(count: x.count) { dipp_conv_backward_data($0, g, w, $1) } : nil,
             needed[1] ? conv.run(count: w.count) { dipp_conv_backward_weights($0, x, g, $1) } : nil]
        }
    }
}

/// The shape of one convolution and its precision (``Compute/precision``): what a oneDNN
/// primitive is created for.
struct ConvolutionShape: Hashable {
    let input: [Int], kernel: [Int], stride: Int, padding: Int
    /// Inputs rounded to bfloat16, fp32 accumulation and results.
    let bf16: Bool
}

/// A oneDNN convolution of one shape; one caller at a time (its lock), destroyed with the object.
final class Convolution: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSLock()

    private init(_ s: ConvolutionShape) {
        var status: Int32 = 0
        guard let handle = dipp_conv_create(Int64(s.input[0]), Int64(s.input[1]), Int64(s.input[2]), Int64(s.input[3]), Int64(s.kernel[0]),
                                            Int64(s.kernel[2]), Int64(s.kernel[3]), Int64(s.stride), Int64(s.padding), s.bf16 ? 1 : 0, &status) else {
            preconditionFailure("oneDNN could not create the convolution \(s) (status \(status))")
        }
        self.handle = handle
    }

    deinit { dipp_conv_destroy(handle) }

    /// Runs `body(handle, output)` into a new array of `count` values.
    func run(count: Int, _ body: (OpaquePointer, UnsafeMutablePointer<Float>) -> Int32) -> [Float] {
        guard count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let status = lock.withLock { body(handle, buffer.baseAddress!) }
            precondition(status == 0, "oneDNN convolution failed (status \(status))")
            initialized = count
        }
    }

    /// Primitives by shape (a training run uses a handful; the cache is cleared past 64 shapes).
    nonisolated(unsafe) private static var cache: [ConvolutionShape: Convolution] = [:]
    private static let cacheLock = NSLock()

    static func primitive(_ shape: ConvolutionShape) -> Convolution {
        cacheLock.withLock {
            if let conv = cache[shape] { return conv }
            if cache.count >= 64 { cache.removeAll() }
            let conv = Convolution(shape)
            cache[shape] = conv
            return conv
        }
    }
}
