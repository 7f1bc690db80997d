import CDIPPBackend
import Foundation

/// 2-D convolution (cross-correlation, as in PyTorch) through oneDNN's convolution primitives.
///
/// `input [N, C, H, W]`, `weight [O, C, KH, KW]`, optional `bias [O]` → `[N, O, H′, W′]` with
/// `H′ = (H + 2·padding − KH)/stride + 1` (likewise `W′`), zero padding:
/// `y[n,o,i,j] = b[o] + Σ_{c,u,v} x[n, c, i·s − p + u, j·s − p + v] · W[o,c,u,v]`.
/// VJP: `∂x` and `∂W` by oneDNN's backward-data and backward-weights primitives (the
/// transposed convolution of `G` with `W`, and the correlation of `x` with `G`), and
/// `∂b[o] = Σ_{n,i,j} G[n,o,i,j]` by the backward-weights primitive in the same call.
/// Measured against the im2col + GEMM path it replaced: Documentation/Performance.md. With
/// ``Compute/precision`` bf16, the primitives read `x`, `W` and `G` rounded to bfloat16 (so `∂b`
/// sums the rounded `G`); the bias stays fp32.
///
/// With `channelsLast` the activations are `[N, H, W, C]` → `[N, H′, W′, O]` (the weight stays
/// `[O, C, KH, KW]`): the primitives then run on NHWC themselves, so a network that keeps its
/// activations channels-last (``UNetDenoiserNetwork``) skips the NCHW ↔ blocked reorders of its
/// activations (in bf16 they are still converted; the weights are reordered on every call).
extension Tensor {
    /// Convolves `self` (`[N, C, H, W]`, or `[N, H, W, C]` with `channelsLast`) with `weight`
    /// (`[O, C, KH, KW]`) and adds `bias` (`[O]`) when given. `precision` overrides
    /// ``Compute/precision`` and `algorithm` ``Compute/convolutionAlgorithm`` for this call.
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, channelsLast: Bool = false,
                       precision: Compute.Precision? = nil, algorithm: Compute.ConvolutionAlgorithm? = nil) -> Tensor {
        let (channelAxis, heightAxis) = channelsLast ? (3, 1) : (1, 2)
        precondition(rank == 4 && weight.rank == 4 && weight.shape[1] == shape[channelAxis],
                     "conv2d: input \(shape) and weight \(weight.shape) must be \(channelsLast ? "[N,H,W,C]" : "[N,C,H,W]") and [O,C,KH,KW]")
        precondition(bias.map { $0.shape == [weight.shape[0]] } ?? true, "conv2d: bias \(bias?.shape ?? []) must be [\(weight.shape[0])]")
        precondition(stride >= 1 && padding >= 0, "conv2d: stride must be ≥ 1 and padding ≥ 0")
        let (h, w) = (shape[heightAxis], shape[heightAxis + 1])
        let (oh, ow) = ((h + 2 * padding - weight.shape[2]) / stride + 1, (w + 2 * padding - weight.shape[3]) / stride + 1)
        precondition(oh > 0 && ow > 0, "conv2d: kernel \(weight.shape[2])x\(weight.shape[3]) does not fit \(h)x\(w) with padding \(padding)")
        let outShape = channelsLast ? [shape[0], oh, ow, weight.shape[0]] : [shape[0], weight.shape[0], oh, ow]
        let bf16 = (precision ?? Compute.precision) == .bf16
        let winograd = (algorithm ?? Compute.convolutionAlgorithm) == .winograd && !bf16 && weight.shape[2] == 3 && weight.shape[3] == 3
            && stride == 1 && shape[channelAxis] % 16 == 0 && weight.shape[0] % 16 == 0
        let conv = Convolution.primitive(ConvolutionShape(input: [shape[0], shape[channelAxis], h, w], kernel: weight.shape, stride: stride,
                                                          padding: padding, bias: bias != nil, channelsLast: channelsLast,
                                                          bf16: bf16, winograd: winograd))
        let (x, wt, b) = (storage, weight.storage, bias?.storage ?? [])
        let y = conv.output(count: Shape.count(outShape)) { dipp_conv_forward($0, x, wt, b, $1) }
        let flopsPerPass = 2 * Double(Shape.count(outShape)) * Double(weight.count / weight.shape[0])
        ConvolutionCounter.add(passes: 1, flops: flopsPerPass)
        return Tensor.result(shape: outShape, storage: y, inputs: [self, weight] + (bias.map { [$0] } ?? [])) { g, needed in
            let weightsNeeded = needed.dropFirst().contains(true)
            ConvolutionCounter.add(passes: (needed[0] ? 1 : 0) + (weightsNeeded ? 1 : 0), flops: flopsPerPass)
            return conv.backward(src: x, diffDst: g, weights: wt, dataNeeded: needed[0], weightsNeeded: weightsNeeded)
        }
    }
}

/// Counts the arithmetic of the convolutions (`2·N·O·H′·W′·C·KH·KW` per pass: forward, backward
/// data, backward weights) and the wall time inside oneDNN's primitives, while `isCounting` —
/// how `dipp bench unet-step` reports its fraction of the machine's peak and the share of a step
/// spent in convolutions (time inside the primitives' lock). Off (and free) otherwise; not
/// synchronised — for one thread driving the convolutions, as the benchmark does.
public enum ConvolutionCounter {
    nonisolated(unsafe) public static var isCounting = false
    nonisolated(unsafe) public private(set) static var flops: Double = 0
    nonisolated(unsafe) public private(set) static var seconds: Double = 0

    public static func reset() { (flops, seconds) = (0, 0) }

    static func add(passes: Int, flops perPass: Double) {
        if isCounting { flops += Double(passes) * perPass }
    }

    /// Runs `body`, adding its wall time when counting.
    static func timed<T>(_ body: () -> T) -> T {
        guard isCounting else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        return body()
    }
}

/// The shape of one convolution and its precision (``Compute/precision``): what a oneDNN
/// primitive is created for.
struct ConvolutionShape: Hashable {
    let input: [Int], kernel: [Int], stride: Int, padding: Int
    /// Whether the primitives add the bias and sum its gradient.
    let bias: Bool
    /// Activations `[N, H, W, C]` instead of `[N, C, H, W]` (`input` is `[N, C, H, W]` either way).
    let channelsLast: Bool
    /// Inputs rounded to bfloat16, fp32 accumulation and results.
    let bf16: Bool
    /// Winograd kernels asked for (a shape that qualifies; direct when oneDNN has none here).
    let winograd: Bool
}

/// A oneDNN convolution of one shape; one caller at a time (its lock), destroyed with the object.
final class Convolution: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSLock()
    let shape: ConvolutionShape

    private init(_ s: ConvolutionShape) {
        shape = s
        var status: Int32 = 0
        func create(winograd: Bool) -> OpaquePointer? {
            dipp_conv_create(Int64(s.input[0]), Int64(s.input[1]), Int64(s.input[2]), Int64(s.input[3]), Int64(s.kernel[0]),
                             Int64(s.kernel[2]), Int64(s.kernel[3]), Int64(s.stride), Int64(s.padding), s.bias ? 1 : 0, s.channelsLast ? 1 : 0,
                             s.bf16 ? 1 : 0, winograd ? 1 : 0, &status)
        }
        // Winograd where oneDNN has kernels for it on this CPU, direct otherwise.
        guard let handle = (s.winograd ? create(winograd: true) : nil) ?? create(winograd: false) else {
            preconditionFailure("oneDNN could not create the convolution \(s) (status \(status))")
        }
        self.handle = handle
    }

    deinit { dipp_conv_destroy(handle) }

    /// Runs `body(handle, output)` into a new array of `count` values.
    func output(count: Int, _ body: (OpaquePointer, UnsafeMutablePointer<Float>) -> Int32) -> [Float] {
        guard count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let status = lock.withLock { ConvolutionCounter.timed { body(handle, buffer.baseAddress!) } }
            precondition(status == 0, "oneDNN convolution failed (status \(status))")
            initialized = count
        }
    }

    /// The gradients `[∂src, ∂weights, ∂bias]` (the last only with a bias; nil where not
    /// needed) in one call, which reorders `diffDst` once for both backward primitives when
    /// both want the same layout.
    func backward(src: [Float], diffDst: [Float], weights: [Float], dataNeeded: Bool, weightsNeeded: Bool) -> [[Float]?] {
        var gx = Tensor.uninitialized(dataNeeded ? src.count : 0), gw = Tensor.uninitialized(weightsNeeded ? weights.count : 0)
        var gb = Tensor.uninitialized(weightsNeeded && shape.bias ? shape.kernel[0] : 0)
        if dataNeeded || weightsNeeded {
            let status = gx.withUnsafeMutableBufferPointer { px in
                gw.withUnsafeMutableBufferPointer { pw in
                    gb.withUnsafeMutableBufferPointer { pb in
                        lock.withLock {
                            ConvolutionCounter.timed {
                                dipp_conv_backward(handle, src, diffDst, weights, dataNeeded ? px.baseAddress : nil,
                                                   weightsNeeded ? pw.baseAddress : nil, weightsNeeded ? pb.baseAddress : nil)
                            }
                        }
                    }
                }
            }
            precondition(status == 0, "oneDNN convolution backward failed (status \(status))")
        }
        return [dataNeeded ? gx : nil, weightsNeeded ? gw : nil] + (shape.bias ? [weightsNeeded ? gb : nil] : [])
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
