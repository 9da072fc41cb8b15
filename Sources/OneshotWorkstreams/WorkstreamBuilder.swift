/// Checks the known fields of one file and builds the ``Workstream``, collecting every problem.
struct WorkstreamBuilder {
    let file: String
    let fields: [RawField]
    private var errors: [InputError] = []

    init(file: String, fields: [RawField]) {
        self.file = file
        self.fields = fields
    }

    func build() throws(InputErrors) -> Workstream {
        var builder = self
        let workstream = builder.assemble()
        if !builder.errors.isEmpty { throw InputErrors(builder.errors) }
        return workstream
    }

    private mutating func assemble() -> Workstream {
        var known: [String: RawField] = [:]
        var extra: [String: String] = [:]
        for field in fields {
            guard let key = WorkstreamParser.aliases[field.key] else {
                switch field.value {
                case .scalar(let value): extra[field.key] = value ?? ""
                case .list(let items): extra[field.key] = items.joined(separator: ", ")
                }
                continue
            }
            if let first = known[key] {
                fail("'\(field.key)' repeats '\(first.key)' (line \(first.line)); keep one", line: field.line)
                continue
            }
            known[key] = field
        }
        let idField = known["ws_id"]
        let id = idField.flatMap { scalar($0) } ?? ""
        if let idField { validateID(id, what: "ws_id", line: idField.line) }
        var workstream = Workstream(id: id, source: .init(file: file, line: idField?.line))
        workstream.featureID = known["feature_id"].flatMap { scalar($0) }.map(FeatureID.normalise)
        workstream.title = known["title"].flatMap { scalar($0) }
        if let field = known["depends_on"] {
            workstream.dependencies = list(field)
            for dependency in workstream.dependencies { validateID(dependency, what: "dependency", line: field.line) }
            if workstream.dependencies.contains(id) {
                fail("workstream \(id) depends on itself", line: field.line)
            }
        }
        workstream.command = known["run"].flatMap { scalar($0) }
        workstream.verify = known["verify"].flatMap { scalar($0) }
        if let field = known["timeout"], let text = scalar(field) {
            workstream.timeout = DurationText.parse(text)
            if workstream.timeout == nil {
                fail("invalid timeout '\(text.prefix(40))'; expected a duration such as 90s, 10m or 1h", line: field.line)
            }
        }
        if let field = known["retries"], let text = scalar(field) {
            workstream.retries = Int(text).flatMap { (0...1000).contains($0) ? $0 : nil }
            if workstream.retries == nil {
                fail("invalid retries '\(text.prefix(40))'; expected a whole number from 0 to 1000", line: field.line)
            }
        }
        if let field = known["outputs"] { workstream.outputs = list(field) }
        if let field = known["idempotent"], let text = scalar(field) {
            if let value = YAMLScalar.boolean(text) {
                workstream.isIdempotent = value
            } else {
                fail("invalid idempotent '\(text.prefix(40))'; expected true or false", line: field.line)
            }
        }
        workstream.declaredStatus = known["status"].flatMap { scalar($0) }?.lowercased()
        if let field = known["slurm_args"] { workstream.schedulerArguments = words(field) }
        workstream.extra = extra
        return workstream
    }

    private mutating func scalar(_ field: RawField) -> String? {
        switch field.value {
        case .scalar(let value): return value
        case .list:
            fail("'\(field.key)' takes a single value, found a list", line: field.line)
            return nil
        }
    }

    /// A list field: a YAML list, or a comma-separated value (`none` and `-` mean empty).
    private func list(_ field: RawField) -> [String] {
        switch field.value {
        case .list(let items): return items
        case .scalar(nil): return []
        case .scalar(let text?):
            let items = text.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
            if items.count == 1, ["none", "-", "—", "n/a", "[]"].contains(items[0].lowercased()) { return [] }
            return items.map { $0.hasPrefix("`") && $0.hasSuffix("`") && $0.count > 1 ? String($0.dropFirst().dropLast()) : $0 }
        }
    }

    /// A list of arguments: a YAML list, or words separated by spaces.
    private func words(_ field: RawField) -> [String] {
        switch field.value {
        case .list(let items): return items
        case .scalar(let text): return (text ?? "").split(separator: " ").map(String.init)
        }
    }

    private mutating func validateID(_ id: String, what: String, line: Int) {
        if let problem = WorkstreamID.problem(with: id) {
            fail("invalid \(what) '\(id.prefix(60))': \(problem)", line: line)
        }
    }

    private mutating func fail(_ message: String, line: Int) {
        errors.append(InputError(message, at: .init(file: file, line: line)))
    }
}

/// The rule for workstream ids: they name log files, so they must be safe as file names.
public enum WorkstreamID {
    /// Why `id` is not a valid workstream id, or `nil` if it is.
    public static func problem(with id: String) -> String? {
        if id.isEmpty { return "it is empty" }
        if id.utf8.count > 200 { return "it is longer than 200 characters" }
        if id == "." || id == ".." { return "'.' and '..' are not ids" }
        // `oneshot log F052 -x` would read it as an option.
        if id.hasPrefix("-") { return "it starts with '-', which reads as an option on the command line" }
        if let bad = id.unicodeScalars.first(where: { !isAllowed($0) }) {
            return "\(FeatureID.describe(bad)) is not allowed; use letters, digits, '.', '-' and '_'"
        }
        return nil
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        FeatureID.isAllowed(scalar) || scalar == "."
    }
}
