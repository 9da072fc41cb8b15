import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A report read by a strict XML parser (libxml2 through `XMLParser`): any unclosed element,
/// stray `<` or `&`, or character XML cannot hold is an error.
final class StrictMarkup: NSObject, XMLParserDelegate {
    /// One element: its name, attributes, and the text directly inside it.
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []

    /// Parses `text`; throws the parser's error with its line.
    static func parse(_ text: String) throws -> StrictMarkup {
        let reader = StrictMarkup()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            throw ParseFailure(
                description:
                    "line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "?")")
        }
        return reader
    }

    struct ParseFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The elements named `name` whose `class` holds every class in `classes`.
    func elements(_ name: String, classes: Set<String> = []) -> [Element] {
        elements.filter { element in
            element.name == name
                && classes.isSubset(of: Set((element.attributes["class"] ?? "").split(separator: " ").map(String.init)))
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        open.append(elements.count)
        elements.append(Element(name: elementName, attributes: attributes))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last { elements[index].text += string }
    }
}
