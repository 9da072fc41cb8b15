import Foundation
import Oneshot

/// `.sdp/config.yml`: a project's defaults for the run settings, in the small strict subset of
/// YAML the workstream files use (``YAMLReader``), with one level of nesting (`breaker:`,
/// `slurm:`):
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

    /// The `(key, value, line)` settings, read by the workstream files' ``YAMLReader``, nested
    /// keys flattened as `parent_child`; each line that cannot be read is added to `problems`
    /// and left out.
    private static func entries(_ text: String, problems: inout [UsageError]) -> [(String, String, Int)] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        var read = YAMLReader.entries(lines, file: path)
        var flat: [(name: String, entry: YAMLEntry)] = []
        for entry in read.entries {
            guard case .block(let block) = entry.value else {
                flat.append((entry.key, entry))
                continue
            }
            let nested = block.entries(file: path)
            read.problems += nested.problems
            flat += nested.entries.map { ("\(entry.key)_\($0.key)", $0) }
        }
        problems += read.problems.sorted { ($0.location?.line ?? 0) < ($1.location?.line ?? 0) }.map {
            UsageError($0.description)
        }
        var result: [(String, String, Int)] = []
        var seen: [String: Int] = [:]
        for (name, entry) in flat {
            do throws(UsageError) {
                if let first = seen[name] {
                    throw UsageError("\(path):\(entry.line): '\(displayName(of: name))' is already set on line \(first)")
                }
                seen[name] = entry.line
                result.append((name, try value(of: entry, named: name), entry.line))
            } catch {
                problems.append(error)
            }
        }
        return result
    }

    /// An entry's value as a setting takes it: a list as a flow list, which the settings that
    /// take lists read back with ``YAMLScalar/flowList(_:at:)``.
    private static func value(of entry: YAMLEntry, named name: String) throws(UsageError) -> String {
        switch entry.value {
        case .scalar(let value?): return value
        case .scalar(nil): throw UsageError("\(path):\(entry.line): '\(displayName(of: name))' has no value")
        case .list(let items): return YAMLScalar.flowList(items)
        case .block:
            throw UsageError("\(path):\(entry.line): '\(displayName(of: name))' takes a value, not nested settings")
        }
    }
}
