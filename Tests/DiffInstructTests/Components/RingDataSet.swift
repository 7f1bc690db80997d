import DIPPComponents
import DIPPData
import DIPPTensor
import Foundation

/// A contributor's data set, in one file: 2 000 points on the unit circle with radial noise
/// 0.05, without classes — so it exercises the unconditional path and the `sample-statistics`
/// evaluator a data set gets by default.
enum RingDataSet: ComponentRegistration {
    static func register(in components: Components) {
        components.dataSets.register("ring", summary: "2 000 points on the unit circle, no classes (a contributor's data set)") { context in
            var rng = RandomStream(seed: context.seed)
            let angles = Tensor.randomUniform([2000], in: 0...(2 * Float.pi), using: &rng).storage
            let radii = (Tensor.randomNormal([2000], using: &rng) * 0.05 + 1).storage
            let values = zip(angles, radii).flatMap { [$1 * cosf($0), $1 * sinf($0)] }
            return LabeledDataset(name: "ring", values: values, labels: [Int](repeating: -1, count: 2000), sampleShape: [2], imageSize: nil, classNames: [])
        }
    }
}
