
/// Text placed in SVG (a plot's labels, a grid's row names): `&`, `<`, `>` and `"` escaped, so a
/// label may hold any character and may also sit in an attribute.
public enum SVGText {
    public static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
