import DIPPTensor

/// Stroke mass, the ink fraction of an image in `[−1, 1]`: `m(x) = mean_k clip((x_k + 1)/2, 0, 1)`
/// over every pixel and channel. Values outside the data range count as the nearest end, as in a
/// picture, so pushing a pixel past `±1` earns nothing.
///
/// One definition for the captions' thin/bold split (``DigitCaptions``), the preference
/// benchmark's hidden utility, the prompt-alignment reward and the prompt evaluation: the array
/// form for statistics, the tensor form (differentiable, zero gradient where clipped) for rewards.
public enum StrokeMass {
    /// `m(x)` of one image.
    public static func of(_ pixels: ArraySlice<Float>) -> Float {
        pixels.reduce(0) { $0 + Swift.min(Swift.max(($1 + 1) / 2, 0), 1) } / Float(Swift.max(pixels.count, 1))
    }

    /// `m(x)` of each of the `values.count / dimension` images stored row-major in `values`.
    public static func ofEach(_ values: [Float], dimension: Int) -> [Float] {
        (0..<(values.count / Swift.max(dimension, 1))).map { of(values[($0 * dimension)..<(($0 + 1) * dimension)]) }
    }

    /// `m(x)` of each image of a batch `[n, …]`, as a `[n]` tensor.
    public static func of(_ images: Tensor) -> Tensor { ink(images).mean(axis: 1) }

    /// The ink `clip((x + 1)/2, 0, 1)` of each image of a batch `[n, …]`, flattened to `[n, d]`.
    public static func ink(_ images: Tensor) -> Tensor {
        let n = images.shape[0]
        return ((images.reshaped([n, images.count / Swift.max(n, 1)]) + 1) * 0.5).clamped(min: 0, max: 1)
    }
}
