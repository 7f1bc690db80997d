/// The Rust plugins `swift build` built (through the `CargoBuild` build-tool plugin, which
/// generates the `…Path` constants): the path of each library, or `nil` when cargo was not
/// installed at build time.
public enum RustPlugins {
    /// `Plugins/RustBorderReward` (`dipp.reward/1`): `libdipp_border_reward.so`.
    public static var borderReward: String? { borderRewardPath }
}
