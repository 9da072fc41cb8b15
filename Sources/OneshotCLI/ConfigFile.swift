import Foundation
import Oneshot

/// `.sdp/config.yml`: a project's defaults for the run settings, in a small strict subset of
/// YAML — `key: value` lines, and one level of nesting for `breaker:`:
///
/// ```yaml
/// jobs: 4
/// exec: 'claude -p "@build {ws_id}"'
/// timeout: 10m
/// breaker:
///   threshold: 3
///   timeout: 60s
/// ```
///
/// Unknown keys, tabs and bad values are errors naming the line. Flags override the file.
enum ConfigFile {
    /// Where the file lives, relative to the project root.
    static let path = ".sdp/config.yml"

    /// Applies the file's settings that no flag gave; records each one's line as its source.
    static func apply(to run: inout RunArguments) throws(UsageError) {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        guard let text = String(data: data, encoding: .utf8) else {
            throw UsageError("\(path): not valid UTF-8")
        }
        for (key, value, line) in try entries(text) {
            let source = "\(path):\(line)"
            guard let setting = Setting.all.first(where: { $0.key == key }) else {
                let known = Setting.all.map(\.key).joined(separator: ", ")
                throw UsageError("\(source): unknown setting '\(key)'; expected one of \(known)")
            }
            guard run.sources[key] == nil else { continue }  // a flag wins
            try setting.apply(&run, value, source)
            run.sources[key] = source
        }
    }

    /// The `(key, value, line)` entries, nested keys flattened as `parent_child`.
    private static func entries(_ text: String) throws(UsageError) -> [(String, String, Int)] {
        var result: [(String, String, Int)] = []
        var seen: [String: Int] = [:]
        var parent: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.contains("\t") && line.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
                throw UsageError("\(path):\(number): tab used for indentation; use spaces")
            }
            let indented = line.first == " "
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw UsageError("\(path):\(number): expected 'key: value'")
            }
            let key = trimmed[..<colon].trimmingCharacters(in: .whitespaces)
            let rest = String(trimmed[trimmed.index(after: colon)...])
            let value: String?
            do {
                value = try YAMLScalar.parse(rest, at: SourceLocation(file: path, line: number))
            } catch {
                throw UsageError(error.description)
            }
            if !indented {
                parent = nil
                if value == nil {
                    parent = key
                    continue
                }
            } else if parent == nil {
                throw UsageError("\(path):\(number): unexpected indentation; only 'breaker:' has nested settings")
            }
            let name = parent.map { "\($0)_\(key)" } ?? key
            guard let value else { throw UsageError("\(path):\(number): '\(name)' has no value") }
            if let first = seen[name] { throw UsageError("\(path):\(number): '\(name)' is already set on line \(first)") }
            seen[name] = number
            result.append((name, value, number))
        }
        return result
    }
}
