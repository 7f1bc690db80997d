import CDIPPBackend

/// Dense linear algebra in Double through LAPACK (Debian's `liblapack`).
public enum LinearAlgebra {
    /// Eigenvalues (ascending) and unit eigenvectors (`vectors[k]` for `values[k]`) of a
    /// symmetric `n×n` matrix given row-major.
    public static func symmetricEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [[Double]]) {
        precondition(matrix.count == n * n, "symmetricEigen: \(matrix.count) values for \(n)x\(n)")
        guard n > 0 else { return ([], []) }
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        let info = dipp_symmetric_eigen(Int32(n), &a, &w, 1)
        precondition(info == 0, "LAPACK dsyev failed with info \(info)")
        return (w, (0..<n).map { Array(a[($0 * n)..<(($0 + 1) * n)]) })
    }
}
