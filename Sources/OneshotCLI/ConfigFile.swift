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
    ///
    /// - Throws: ``UsageError`` listing every problem of the file at once, each naming its line
    ///   and key.
    static func apply(to run: inout RunArguments) throws(UsageError) {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        guard let text = String(data: data, encoding: .utf8) else {
            throw UsageError("\(path): not valid UTF-8")
        }
        var problems: [UsageError] = []
        for entry in entries(text, problems: &problems) {
            let (key, value, line) = entry
            let source = "\(path):\(line)"
            guard let setting = Setting.all.first(where: { $0.key == key }) else {
                problems.append(UsageError("\(source): unknown setting '\(displayName(of: key))'; \(expectation(for: key))"))
                continue
            }
            guard run.sources[key] == nil else { continue }  // a flag wins
            do {
                try setting.apply(&run, value, "\(source): \(displayName(of: key))")
                run.sources[key] = source
            } catch {
                problems.append(error)
            }
        }
        if var first = problems.first {
            first.more = Array(problems.dropFirst())
            throw first
        }
    }

    /// A setting's key as the file writes it: `breaker.window` for the nested `breaker:` /
    /// `window:`.
    static func displayName(of key: String) -> String {
        guard key.hasPrefix(nestedPrefix) else { return key }
        return "breaker." + key.dropFirst(nestedPrefix.count)
    }

    private static let nestedPrefix = "breaker_"

    /// The keys the file takes, in the form it needs them: nested ones under `breaker:`; a key
    /// that only belongs there is said so.
    private static func expectation(for key: String) -> String {
        let nested = Setting.all.map(\.key).filter { $0.hasPrefix(nestedPrefix) }.map { String($0.dropFirst(nestedPrefix.count)) }
        let top = Setting.all.map(\.key).filter { !$0.hasPrefix(nestedPrefix) }
        if nested.contains(key) {
            return "'\(key)' is a breaker setting: write it indented under 'breaker:' (breaker:, then   \(key): …)"
        }
        if key.hasPrefix(nestedPrefix) { return "'breaker:' takes \(nested.joined(separator: ", "))" }
        return
            "expected one of \(top.joined(separator: ", ")), or indented under 'breaker:' one of \(nested.joined(separator: ", "))"
    }

    /// The `(key, value, line)` entries, nested keys flattened as `parent_child`; each line that
    /// cannot be read is added to `problems` and left out.
    private static func entries(_ text: String, problems: inout [UsageError]) -> [(String, String, Int)] {
        var result: [(String, String, Int)] = []
        var seen: [String: Int] = [:]
        var parent: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do throws(UsageError) {
                guard let entry = try self.entry(line, trimmed, number, parent: &parent) else { continue }
                if let first = seen[entry.0] {
                    throw UsageError("\(path):\(number): '\(displayName(of: entry.0))' is already set on line \(first)")
                }
                seen[entry.0] = number
                result.append(entry)
            } catch {
                problems.append(error)
            }
        }
        return result
    }

    /// One line's entry; `nil` for a parent key (`breaker:`), which `parent` then names.
    private static func entry(_ line: Substring, _ trimmed: Substring, _ number: Int, parent: inout String?)
        throws(UsageError) -> (String, String, Int)?
    {
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
                return nil
            }
        } else if parent == nil {
            throw UsageError("\(path):\(number): unexpected indentation; only 'breaker:' has nested settings")
        }
        let name = parent.map { "\($0)_\(key)" } ?? key
        guard let value else { throw UsageError("\(path):\(number): '\(displayName(of: name))' has no value") }
        return (name, value, number)
    }
}
