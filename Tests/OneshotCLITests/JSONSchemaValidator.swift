import Foundation

/// The subset of JSON Schema (2020-12) that `Schemas/events.schema.json` uses: `$ref` to local
/// `$defs`, `type`, `const`, `enum`, `properties`, `required`, `additionalProperties: false`,
/// `items`, `oneOf`, `minimum`, `minLength` and `format: date-time`. Returns the problems found.
struct JSONSchemaValidator {
    let root: [String: Any]

    init(schemaAt path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        root = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func validate(_ value: Any) -> [String] {
        check(value, against: root, at: "$")
    }

    private func check(_ value: Any, against schema: [String: Any], at path: String) -> [String] {
        if let reference = schema["$ref"] as? String {
            let name = reference.replacingOccurrences(of: "#/$defs/", with: "")
            guard let definitions = root["$defs"] as? [String: Any], let target = definitions[name] as? [String: Any] else {
                return ["\(path): unresolved $ref \(reference)"]
            }
            return check(value, against: target, at: path)
        }
        var problems: [String] = []
        if let types = schema["type"] {
            let allowed = (types as? [String]) ?? [(types as? String) ?? ""]
            if !allowed.contains(where: { matches(value, type: $0) }) {
                return ["\(path): expected \(allowed.joined(separator: " or ")), found \(value)"]
            }
        }
        if let constant = schema["const"], !equal(value, constant) { problems.append("\(path): expected \(constant)") }
        if let options = schema["enum"] as? [Any], !options.contains(where: { equal(value, $0) }) {
            problems.append("\(path): \(value) is not one of \(options)")
        }
        if let minimum = schema["minimum"] as? Double, let number = value as? NSNumber, number.doubleValue < minimum {
            problems.append("\(path): \(number) is below \(minimum)")
        }
        if let minLength = schema["minLength"] as? Int, let text = value as? String, text.count < minLength {
            problems.append("\(path): shorter than \(minLength)")
        }
        if schema["format"] as? String == "date-time", let text = value as? String, !isDateTime(text) {
            problems.append("\(path): '\(text)' is not an RFC 3339 date-time")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                problems.append("\(path): missing \(name)")
            }
            for (name, item) in object {
                if let propertySchema = properties[name] as? [String: Any] {
                    problems += check(item, against: propertySchema, at: "\(path).\(name)")
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): unexpected field \(name)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { problems += check(item, against: items, at: "\(path)[\(index)]") }
        }
        if let alternatives = schema["oneOf"] as? [[String: Any]] {
            let results = alternatives.map { check(value, against: $0, at: path) }
            let passing = results.filter(\.isEmpty).count
            if passing != 1 {
                let closest = results.min { $0.count < $1.count } ?? []
                problems.append("\(path): matches \(passing) of oneOf (expected 1); closest: \(closest.joined(separator: "; "))")
            }
        }
        return problems
    }

    private func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return (value as? NSNumber).map(isBoolean) ?? false
        case "integer":
            guard let number = value as? NSNumber, !isBoolean(number) else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        case "number": return (value as? NSNumber).map { !isBoolean($0) } ?? false
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return false
        }
    }

    private func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private func equal(_ a: Any, _ b: Any) -> Bool {
        (a as? NSObject)?.isEqual(b) ?? false
    }

    private func isDateTime(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if formatter.date(from: text) != nil { return true }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text) != nil
    }
}
