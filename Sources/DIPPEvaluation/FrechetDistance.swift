import DIPPTensor

/// The Fréchet distance between Gaussians fitted to two sets of feature vectors (the FID
/// formula; Heusel et al., 2017):
/// `FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2})`.
///
/// `Tr (Σ₁Σ₂)^{1/2}` is computed as `Σ_i √λ_i(S Σ₂ S)` with `S = Σ₁^{1/2}` (both symmetric
/// eigen-decompositions through LAPACK), which is exact for positive semi-definite inputs.
/// DIPP's FD-digits / FD-fashion use the penultimate features of the in-project classifiers:
/// FID-like, but not comparable to FID (different network, features and sample sizes).
public enum FrechetDistance {
    /// Mean and covariance (`1/(n−1)` normalisation) of `count` row vectors of size `dimension`.
    public static func statistics(_ features: [Float], dimension d: Int) -> (mean: [Double], covariance: [Double]) {
        let n = features.count / d
        precondition(n >= 2, "FrechetDistance needs at least two samples")
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(features[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var cov = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { centred[j] = Double(features[i * d + j]) - mean[j] }
            for a in 0..<d { for b in a..<d { cov[a * d + b] += centred[a] * centred[b] } }
        }
        for a in 0..<d { for b in a..<d { cov[a * d + b] /= Double(n - 1); cov[b * d + a] = cov[a * d + b] } }
        return (mean, cov)
    }

    /// FD between two feature sets (row vectors of size `dimension`).
    public static func distance(_ a: [Float], _ b: [Float], dimension d: Int) -> Double {
        let (m1, s1) = statistics(a, dimension: d), (m2, s2) = statistics(b, dimension: d)
        return distance(mean1: m1, covariance1: s1, mean2: m2, covariance2: s2)
    }

    /// FD between two Gaussians given by mean and row-major covariance.
    public static func distance(mean1: [Double], covariance1: [Double], mean2: [Double], covariance2: [Double]) -> Double {
        let d = mean1.count
        let meanTerm = zip(mean1, mean2).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        // S = Σ₁^{1/2} = U diag(√λ) Uᵀ
        let (values, vectors) = LinearAlgebra.symmetricEigen(covariance1, n: d)
        var root = [Double](repeating: 0, count: d * d)
        for k in 0..<d {
            let s = max(values[k], 0).squareRoot()
            for i in 0..<d { for j in 0..<d { root[i * d + j] += s * vectors[k][i] * vectors[k][j] } }
        }
        let middle = multiply(multiply(root, covariance2, d), root, d)
        var symmetric = middle
        for i in 0..<d { for j in 0..<d { symmetric[i * d + j] = 0.5 * (middle[i * d + j] + middle[j * d + i]) } }
        let traceRoot = LinearAlgebra.symmetricEigen(symmetric, n: d).values.reduce(0.0) { $0 + max($1, 0).squareRoot() }
        let trace1 = (0..<d).reduce(0.0) { $0 + covariance1[$1 * d + $1] }
        let trace2 = (0..<d).reduce(0.0) { $0 + covariance2[$1 * d + $1] }
        return meanTerm + trace1 + trace2 - 2 * traceRoot
    }

    static func multiply(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for k in 0..<d { let aik = a[i * d + k]; if aik == 0 { continue }; for j in 0..<d { c[i * d + j] += aik * b[k * d + j] } } }
        return c
    }
}
