import DIPPNN
import DIPPTensor
import Foundation

/// A grid of configurations run over seeds (`dipp sweep`): every combination of the axes' values
/// is a cell, every cell runs once per seed in its own run folder
/// `<out>/<cell>/seed-<k>` (so an interrupted sweep resumes: a folder with a report is done, one
/// with checkpoints resumes), and the cells' reports are gathered into a table of mean ± sd per
/// metric and a frontier plot.
public struct Sweep {
    /// One axis: a configuration key (`rewardScale`, or a dotted path such as
    /// `algorithm.teacherGuidance` or `divergence.alpha`) and its values.
    public struct Axis: Equatable, Sendable {
        public var key: String
        public var values: [JSONValue]

        /// Parses `key=v1,v2,…`; each value is JSON (`1`, `true`, `"x"`, `{"a": 1, "b": 2}` — commas
        /// inside brackets and quotes do not split) or else a string (`sid`).
        public init(parsing text: String) throws {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ConfigurationError(location: "--grid \(text)", what: "a grid axis is key=value,value,…",
                                         hint: "e.g. --grid rewardScale=0,0.5,1,2 or --grid algorithm.teacherGuidance=1,4.5")
            }
            key = parts[0]
            values = Self.topLevelItems(parts[1]).map { raw in
                let text = raw.trimmingCharacters(in: .whitespaces)
                return (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
            }
        }

        /// `text` split at the commas outside brackets, braces and quotes.
        static func topLevelItems(_ text: String) -> [String] {
            var (items, current, depth, quoted) = ([String](), "", 0, false)
            for ch in text {
                switch ch {
                case "\"": quoted.toggle()
                case "[" where !quoted, "{" where !quoted: depth += 1
                case "]" where !quoted, "}" where !quoted: depth -= 1
                case "," where !quoted && depth == 0:
                    items.append(current)
                    current = ""
                    continue
                default: break
                }
                current.append(ch)
            }
            return items + [current]
        }

        public init(key: String, values: [JSONValue]) { (self.key, self.values) = (key, values) }
    }

    /// One combination of the axes' values.
    public struct Cell: Equatable, Sendable {
        /// `(path, value)` per axis, the path resolved against the configuration.
        public var settings: [(path: String, value: JSONValue)]

        public static func == (a: Cell, b: Cell) -> Bool {
            a.settings.map(\.path) == b.settings.map(\.path) && a.settings.map(\.value) == b.settings.map(\.value)
        }

        /// `teacherGuidance 4.5, rewardScale 1`: the last component of each path and its value.
        public var label: String {
            settings.map { "\($0.path.split(separator: ".").last!) \(Sweep.text($0.value))" }.joined(separator: ", ")
        }

        /// A folder name: `teacherGuidance-4.5_rewardScale-1`.
        public var folderName: String {
            settings.map { "\($0.path.split(separator: ".").last!)-\(Sweep.text($0.value))" }.joined(separator: "_")
                .map { $0.isLetter || $0.isNumber || "._-".contains($0) ? String($0) : "-" }.joined()
        }

        /// The value this cell sets at `path`, if any.
        public func value(at path: String) -> JSONValue? { settings.first { $0.path == path }?.value }
    }

    public var axes: [Axis]
    public var seeds: [UInt64]

    public init(axes: [Axis], seeds: [UInt64]) { (self.axes, self.seeds) = (axes, seeds) }

    /// Every combination, the first axis slowest. `configuration` (the command's defaults as JSON)
    /// resolves a key that is not a top-level key of it to `algorithm.<key>`; a path that names
    /// nothing in it is refused.
    public func cells(resolvingAgainst configuration: [String: JSONValue]) throws -> [Cell] {
        let paths = try axes.map { axis -> String in
            let path = axis.key.contains(".") || configuration[axis.key] != nil ? axis.key : "algorithm.\(axis.key)"
            let parent = path.split(separator: ".").dropLast().map(String.init)
            let node: JSONValue? = parent.isEmpty ? .object(configuration) : Self.value(at: parent.joined(separator: "."), in: configuration)
            // A component's options are free (`{"name": …}`): `divergence.alpha` sets an option its entry checks.
            let last = String(path.split(separator: ".").last!)
            guard case .object(let o)? = node, o[last] != nil || (parent.count == 1 && o["name"] != nil) else {
                throw ConfigurationError(location: "--grid \(axis.key)", what: "no configuration key '\(path)'",
                                         hint: "a key of the run's configuration (--show-config lists them), e.g. rewardScale, teacherGuidance, divergence.alpha")
            }
            return path
        }
        if let twice = paths.first(where: { p in paths.filter { $0 == p }.count > 1 }) {
            throw ConfigurationError(location: "--grid", what: "two axes set \(twice)", hint: "give each key one --grid")
        }
        var cells = [Cell(settings: [])]
        for (axis, path) in zip(axes, paths) {
            cells = cells.flatMap { cell in axis.values.map { Cell(settings: cell.settings + [(path, $0)]) } }
        }
        if let clash = cells.first(where: { c in cells.filter { $0.folderName == c.folderName }.count > 1 }) {
            throw ConfigurationError(location: "--grid", what: "two cells would share the folder \(clash.folderName)",
                                     hint: "give each value of an axis once (1 and 1.0 are the same value)")
        }
        return cells
    }

    /// `base` (a configuration file's JSON, possibly empty) with the cell's settings written in;
    /// a setting inside a component given by name alone turns it into `{"name": …, option: …}`.
    public static func configuration(_ cell: Cell, over base: [String: JSONValue]) -> [String: JSONValue] {
        var out = base
        for (path, value) in cell.settings {
            out = setting(out, path.split(separator: ".").map(String.init)[...], to: value)
        }
        return out
    }

    private static func setting(_ object: [String: JSONValue], _ path: ArraySlice<String>, to value: JSONValue) -> [String: JSONValue] {
        var out = object
        let key = path.first!
        guard path.count > 1 else {
            out[key] = value
            return out
        }
        var child: [String: JSONValue] = [:]
        switch out[key] {
        case .object(let o)?: child = o
        case .string(let name)?: child = ["name": .string(name)]
        default: break
        }
        out[key] = .object(setting(child, path.dropFirst(), to: value))
        return out
    }

    /// The value at a dotted path of a JSON object (`nil` when absent).
    public static func value(at path: String, in object: [String: JSONValue]) -> JSONValue? {
        var node: JSONValue = .object(object)
        for key in path.split(separator: ".") {
            guard case .object(let o) = node, let next = o[String(key)] else { return nil }
            node = next
        }
        return node
    }

    /// Every number in a report, by dotted path (`image.frechetDistance`, `meanReward`).
    public static func metrics(_ report: JSONValue, prefix: String = "") -> [String: Double] {
        switch report {
        case .number(let v): return prefix.isEmpty ? [:] : [prefix: v]
        case .object(let o):
            return o.reduce(into: [:]) { out, entry in
                out.merge(metrics(entry.value, prefix: prefix.isEmpty ? entry.key : "\(prefix).\(entry.key)")) { a, _ in a }
            }
        default: return [:]
        }
    }

    /// A value as a cell label shows it (`4.5`, `sid`).
    public static func text(_ value: JSONValue) -> String {
        switch value {
        case .number(let v): return String(format: "%g", v)
        case .string(let s): return s
        case .bool(let b): return String(b)
        default: return (try? String(data: JSONEncoder().encode(value), encoding: .utf8)) ?? "?"
        }
    }

    /// Whether a run's recorded value `used` is the cell's `value`: numbers to 1e-6 relative (a
    /// value written as a `Float` reads back with rounding); a component the cell names alone
    /// (`"sid"`) is recorded as an object with all its options, so its name is compared (a plugin
    /// path by its last component: runs record it absolute).
    public static func same(_ value: JSONValue, _ used: JSONValue) -> Bool {
        switch (value, used) {
        case let (.number(x), .number(y)): return abs(x - y) <= 1e-6 * max(1, abs(x), abs(y))
        case let (.string(name), .object(o)):
            guard case .string(let recorded)? = o["name"] else { return false }
            return recorded == name || (name.hasSuffix(".so") && URL(fileURLWithPath: recorded).lastPathComponent == URL(fileURLWithPath: name).lastPathComponent)
        default: return value == used
        }
    }
}
