import DIPPComponents
import DIPPDiffusion

extension MLPDenoiserNetwork: ComponentRegistration {
    public static func register(in components: Components) {
        components.architectures.register("mlp", summary: "MLP on [x, φ(c_noise), e(c)] for vectors of any shape (2-D toy, 8x8 digits)") { _ in
            { MLPDenoiserNetwork($0, rng: &$1) }
        }
    }
}

extension UNetDenoiserNetwork: ComponentRegistration {
    public static func register(in components: Components) {
        components.architectures.register("unet", summary: "small U-Net for [C, H, W] images with H, W divisible by 4 (Fashion-MNIST, shapes3d)") { _ in
            { UNetDenoiserNetwork($0, rng: &$1) }
        }
    }
}

extension UNet2DNetwork: ComponentRegistration {
    public static func register(in components: Components) {
        components.architectures.register("unet2d", summary: "diffusers' UNet2DModel (any configuration of its DDPM/ADM blocks; exports to diffusers)") { _ in
            { UNet2DNetwork($0.resolvedUNet2D, classCount: $0.classCount, rng: &$1) }
        }
    }
}
