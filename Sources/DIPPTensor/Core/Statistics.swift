/// Mean and standard deviations of a list of numbers, accumulated in `Double`.
///
/// - sample standard deviation `s = √(Σ(xᵢ − x̄)² / (n − 1))` (0 for fewer than two values): the
///   estimate of a population's spread from a sample (seeds, Monte-Carlo moments);
/// - population standard deviation `σ = √(Σ(xᵢ − x̄)² / n)`: the spread of the values themselves
///   (EDM's `σ_data` of a data set).
public enum Statistics {
    public static func mean<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
        values.isEmpty ? .nan : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    }

    public static func sampleStandardDeviation<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
        values.count > 1 ? (squaredDeviations(values) / Double(values.count - 1)).squareRoot() : 0
    }

    public static func populationStandardDeviation<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
        values.isEmpty ? .nan : (squaredDeviations(values) / Double(values.count)).squareRoot()
    }

    /// `Σ(xᵢ − x̄)²`.
    private static func squaredDeviations<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
        let m = mean(values)
        return values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) }
    }
}
