/// A validated feature id such as `F052`: letters, digits, `-` and `_`, so that it is safe as
/// a folder and file name.
public struct FeatureID: Sendable, Hashable, CustomStringConvertible {
    /// The id as given, e.g. `F052`.
    public let rawValue: String

    /// Validates `rawValue`.
    ///
    /// - Throws: ``InputError`` naming the offending character when the id is empty, too long,
    ///   or holds anything but ASCII letters, digits, `-` and `_` (so no `/`, `..` or spaces).
    public init(validating rawValue: String) throws(InputError) {
        guard !rawValue.isEmpty else {
            throw InputError("feature id is empty; expected something like F052")
        }
        guard rawValue.utf8.count <= 128 else {
            throw InputError("feature id is longer than 128 characters")
        }
        if let bad = rawValue.unicodeScalars.first(where: { !Self.isAllowed($0) }) {
            throw InputError(
                "invalid feature id \(Self.quoted(rawValue)): \(Self.describe(bad)) is not allowed; use letters, digits, '-' and '_'"
            )
        }
        self.rawValue = rawValue
    }

    /// The id.
    public var description: String { rawValue }

    /// Normalises a `feature_id` value from a file: digits alone (`052`) become `F052`.
    public static func normalise(_ value: String) -> String {
        if !value.isEmpty, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) {
            return "F" + value
        }
        return value
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_": true
        default: false
        }
    }

    static func describe(_ scalar: Unicode.Scalar) -> String {
        if scalar.value < 0x20 || scalar.value == 0x7f {
            return "control character U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))"
        }
        if scalar == " " { return "a space" }
        return "'\(scalar)'"
    }

    static func quoted(_ text: String) -> String {
        let escaped = text.unicodeScalars.map { scalar in
            scalar.value < 0x20 || scalar.value == 0x7f
                ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }.joined()
        return "'\(escaped)'"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
