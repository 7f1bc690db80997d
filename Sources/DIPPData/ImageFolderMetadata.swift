import DIPPTensor
import Foundation

/// An image folder's `metadata.jsonl` or `metadata.csv` (Hugging Face `imagefolder`): one row per
/// image, `file_name` relative to the metadata file's folder, optional `text` (a caption) and
/// `label` (a class index, or a class name).
struct ImageFolderMetadata {
    /// A row's class: an integer index, or a name (classes then sorted by name).
    enum Label: Equatable {
        case index(Int)
        case name(String)
    }

    struct Row {
        /// Where the row starts in the file (1-based; a CSV header is line 1).
        let line: Int
        /// The image's path relative to the folder the metadata file lies in.
        let fileName: String
        /// The `text` column (`nil`: absent or null).
        let text: String?
        /// The `label` column (`nil`: absent, null or an empty CSV field).
        let label: Label?
    }

    /// The file's path relative to the image folder (`train/metadata.csv`).
    let source: String
    /// The folder it lies in, relative to the image folder (`""` for the root, `train`).
    let directory: String
    /// Its bytes (part of the cache key).
    let bytes: [UInt8]
    let rows: [Row]
    /// Whether any row has a `text` / `label` value (a CSV: whether the column exists).
    let hasText: Bool
    let hasLabel: Bool

    static let names = ["metadata.jsonl", "metadata.csv"]

    /// The metadata file in `directory` (relative to `root`), or `nil` when it has none.
    /// - Throws: ``DataError`` when both kinds are present or the file is malformed.
    static func read(root: String, directory: String) throws -> ImageFolderMetadata? {
        let present = names.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: join(root, join(directory, name)), isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        guard let name = present.first else { return nil }
        let source = join(directory, name)
        guard present.count == 1 else {
            throw DataError(location: join(root, directory), what: "both metadata.jsonl and metadata.csv are present",
                            hint: "keep one of them")
        }
        guard let data = FileManager.default.contents(atPath: join(root, source)) else {
            throw DataError(location: join(root, source), what: "cannot read the file", hint: "check its permissions")
        }
        let bytes = [UInt8](data), location = join(root, source)
        let (rows, columns) = name.hasSuffix(".csv") ? try parseCSV(bytes, source: location) : try parseJSONLines(bytes, source: location)
        var seen = [String: Int]()
        for row in rows {
            if let first = seen.updateValue(row.line, forKey: row.fileName) {
                throw DataError(location: "\(location), line \(row.line)", what: "'\(row.fileName)' is listed again (first on line \(first))",
                                hint: "list each image once")
            }
        }
        return ImageFolderMetadata(source: source, directory: directory, bytes: bytes, rows: rows,
                                   hasText: columns.text || rows.contains { $0.text != nil },
                                   hasLabel: columns.label || rows.contains { $0.label != nil })
    }

    /// `a` and `b` joined with `/` (either may be empty).
    static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : b.isEmpty ? a : a + "/" + b }

    /// A `file_name` as a clean relative path: `./` and repeated slashes dropped, Windows
    /// separators turned round; absolute paths and `..` refused.
    static func normalized(_ fileName: String, at location: String) throws -> String {
        let parts = fileName.replacingOccurrences(of: "\\", with: "/").split(separator: "/").filter { $0 != "." }
        guard !fileName.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else {
            throw DataError(location: location, what: "file_name '\(fileName)' is not a path inside the folder",
                            hint: "file_name is relative to the metadata file's folder, without '..'")
        }
        return parts.joined(separator: "/")
    }

    // MARK: - JSON Lines

    /// One JSON object per line (blank lines skipped), parsed with `JSONSerialization`.
    static func parseJSONLines(_ bytes: [UInt8], source: String) throws -> (rows: [Row], columns: (text: Bool, label: Bool)) {
        var rows = [Row]()
        let text = String(decoding: bytes, as: UTF8.self)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let here = "\(source), line \(number + 1)"
            let hint = "each line is a JSON object such as {\"file_name\": \"a.png\", \"text\": \"a caption\", \"label\": \"cat\"}"
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                throw DataError(location: here, what: "not a JSON object", hint: hint)
            }
            guard let fileName = object["file_name"] as? String else {
                throw DataError(location: here, what: "no file_name string", hint: hint)
            }
            var caption: String?
            if let value = object["text"], !(value is NSNull) {
                guard let string = value as? String else { throw DataError(location: here, what: "text is not a string", hint: hint) }
                caption = string
            }
            var label: Label?
            if let value = object["label"], !(value is NSNull) {
                if let string = value as? String {
                    label = .name(string)
                } else if let number = value as? NSNumber, let index = Int(exactly: number.doubleValue), index >= 0 {
                    label = .index(index)
                } else {
                    throw DataError(location: here, what: "label is neither a class index (0, 1, …) nor a class name", hint: hint)
                }
            }
            rows.append(Row(line: number + 1, fileName: try normalized(fileName, at: here), text: caption, label: label))
        }
        return (rows, (false, false))
    }

    // MARK: - CSV

    /// RFC 4180 CSV with a header row naming the columns (`file_name` required).
    static func parseCSV(_ bytes: [UInt8], source: String) throws -> (rows: [Row], columns: (text: Bool, label: Bool)) {
        let records = try csvRecords(bytes, source: source)
        guard let header = records.first else {
            throw DataError(location: source, what: "the file is empty", hint: "the first line names the columns: file_name,text,label")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let fileColumn = names.firstIndex(of: "file_name") else {
            throw DataError(location: "\(source), line 1", what: "no file_name column (columns: \(names.joined(separator: ", ")))",
                            hint: "the first line names the columns: file_name,text,label")
        }
        let textColumn = names.firstIndex(of: "text"), labelColumn = names.firstIndex(of: "label")
        var rows = [Row]()
        for record in records.dropFirst() {
            let here = "\(source), line \(record.line)"
            if record.fields == [""] { continue }
            guard record.fields.count == names.count else {
                throw DataError(location: here, what: "\(record.fields.count) fields for \(names.count) columns",
                                hint: "quote fields that hold commas: \"a, b\" (a quote inside quotes is doubled: \"\")")
            }
            let label: Label? = labelColumn.flatMap { column in
                let field = record.fields[column].trimmingCharacters(in: .whitespaces)
                if field.isEmpty { return nil }
                if field.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let index = Int(field) { return .index(index) }
                return .name(field)
            }
            rows.append(Row(line: record.line, fileName: try normalized(record.fields[fileColumn], at: here),
                            text: textColumn.map { record.fields[$0] }, label: label))
        }
        return (rows, (textColumn != nil, labelColumn != nil))
    }

    /// The records of an RFC 4180 file and the line each starts on: fields separated by commas,
    /// records by LF or CRLF; a field in double quotes may hold commas, line breaks and doubled
    /// quotes (`""` → `"`). A leading UTF-8 byte-order mark is dropped.
    static func csvRecords(_ bytes: [UInt8], source: String) throws -> [(line: Int, fields: [String])] {
        var input = bytes[...]
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { input = input.dropFirst(3) }
        var records = [(line: Int, fields: [String])]()
        var fields = [String](), field = [UInt8](), quoted = false, fieldStarted = false
        var line = 1, recordLine = 1
        var i = input.startIndex
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func endRecord() {
            endField()
            records.append((recordLine, fields))
            fields.removeAll()
        }
        while i < input.endIndex {
            let byte = input[i]
            if quoted {
                if byte == 0x22 {
                    if input.index(after: i) < input.endIndex && input[input.index(after: i)] == 0x22 {
                        field.append(0x22)
                        i = input.index(after: i)
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
            } else {
                switch byte {
                case 0x22 where !fieldStarted && field.isEmpty:
                    quoted = true
                    fieldStarted = true
                case 0x2C:
                    endField()
                case 0x0A:
                    if field.last == 0x0D { field.removeLast() }
                    endRecord()
                    line += 1
                    recordLine = line
                default:
                    field.append(byte)
                    fieldStarted = true
                }
            }
            i = input.index(after: i)
        }
        if quoted {
            throw DataError(location: "\(source), line \(recordLine)", what: "a quoted field is never closed",
                            hint: "close it with a double quote (a quote inside quotes is doubled: \"\")")
        }
        if !field.isEmpty || !fields.isEmpty || fieldStarted {
            if field.last == 0x0D { field.removeLast() }
            endRecord()
        }
        return records
    }
}
