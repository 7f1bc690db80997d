import DIPPComponents

/// The components contributed in this folder: each is its own file plus its one line here. The
/// catalogue conformance tests, the listing and the generated documentation take them from here.
enum Contributed {
    static var all: [any ComponentRegistration.Type] { [HalvedIntegralKL.self, CentreReward.self, MidpointSampler.self, RingDataSet.self] }
}
