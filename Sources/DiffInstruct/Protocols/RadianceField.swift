import DIPPTensor

/// A generator whose samples are renders of a 3-D field that can also be asked for the field
/// itself — density and colour at any points — so a run can measure it (IoU), mesh it and save
/// it. The voxel field answers directly; a plugin answers through `"dipp.field/1"`.
public protocol RadianceField {
    /// Whether ``field(at:)`` can be asked (a plugin without the capability cannot).
    var answersFieldQueries: Bool { get }
    /// `σ ≥ 0` (`[P]`) and RGB in [0, 1] (`[P·3]`) at `points` (`[P·3]`, in `[−1, 1]³`).
    func field(at points: [Float]) throws -> (density: [Float], colour: [Float])
}

extension VoxelFieldGenerator: RadianceField {
    public var answersFieldQueries: Bool { true }

    public func field(at points: [Float]) throws -> (density: [Float], colour: [Float]) {
        let f = withoutGradients { evaluate(Tensor(shape: [points.count / 3, 3], storage: points)) }
        return (f.density.storage, f.colour.storage)
    }
}
