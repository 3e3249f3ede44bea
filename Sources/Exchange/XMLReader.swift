import Foundation

/// An XML element with its attributes, children and text (entities decoded), and the line it starts on.
final class XMLElement {
    let name: String
    let attributes: [String: String]
    let line: Int
    var children: [XMLElement] = []
    var text = ""

    init(name: String, attributes: [String: String], line: Int) {
        self.name = name
        self.attributes = attributes
        self.line = line
    }

    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// The trimmed text of the named child.
    func value(_ name: String) -> String? { child(name)?.text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// An XML syntax error at a 1-based line.
struct XMLSyntaxError: Error {
    var line: Int
    var message: String
}

/// A small non-validating XML parser for annotation files: elements, attributes, text, CDATA,
/// comments, processing instructions and a skipped DOCTYPE.
struct XMLReader {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    static func parse(_ data: Data) throws -> XMLElement {
        var reader = XMLReader(bytes: [UInt8](data))
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.position = 3 }
        return try reader.parseDocument()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private func error(_ message: String) -> XMLSyntaxError { XMLSyntaxError(line: line, message: message) }

    private func starts(with text: String) -> Bool {
        var index = position
        for byte in text.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
        }
        return true
    }

    /// Moves past `terminator`, counting lines; returns the bytes before it.
    private mutating func skip(past terminator: String, what: String) throws -> ArraySlice<UInt8> {
        let start = position
        while position < bytes.count {
            if starts(with: terminator) {
                let content = bytes[start..<position]
                position += terminator.utf8.count
                return content
            }
            if bytes[position] == 0x0A { line += 1 }
            position += 1
        }
        throw error("unexpected end of the file in \(what)")
    }

    private mutating func parseDocument() throws -> XMLElement {
        var stack: [XMLElement] = []
        var root: XMLElement?
        while position < bytes.count {
            if bytes[position] != UInt8(ascii: "<") {
                let start = position
                while position < bytes.count, bytes[position] != UInt8(ascii: "<") {
                    if bytes[position] == 0x0A { line += 1 }
                    position += 1
                }
                let text = try decodeEntities(bytes[start..<position])
                if let top = stack.last {
                    top.text += text
                } else if !text.allSatisfy(\.isWhitespace) {
                    throw error("text outside the root element")
                }
                continue
            }
            if starts(with: "<?") {
                _ = try skip(past: "?>", what: "a processing instruction")
            } else if starts(with: "<!--") {
                _ = try skip(past: "-->", what: "a comment")
            } else if starts(with: "<![CDATA[") {
                position += 9
                let content = try skip(past: "]]>", what: "CDATA")
                guard let top = stack.last else { throw error("CDATA outside the root element") }
                top.text += String(decoding: content, as: UTF8.self)
            } else if starts(with: "<!") {
                try skipDeclaration()
            } else if starts(with: "</") {
                position += 2
                let name = readName()
                skipSpaces()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { throw error("expected '>' to close </\(name)") }
                position += 1
                guard let open = stack.popLast() else { throw error("</\(name)> closes nothing") }
                guard open.name == name else {
                    throw error("</\(name)> does not close <\(open.name)> opened on line \(open.line)")
                }
                if let parent = stack.last { parent.children.append(open) } else { root = open }
            } else {
                if root != nil && stack.isEmpty { throw error("a second root element") }
                let element = try parseStartTag()
                if element.selfClosing {
                    if let parent = stack.last { parent.children.append(element.element) } else { root = element.element }
                } else {
                    stack.append(element.element)
                }
            }
        }
        if let open = stack.last { throw error("<\(open.name)> opened on line \(open.line) is not closed") }
        guard let root else { throw error("no root element") }
        return root
    }

    private mutating func skipDeclaration() throws {
        var bracketDepth = 0
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == 0x0A { line += 1 }
            if byte == UInt8(ascii: "[") { bracketDepth += 1 }
            if byte == UInt8(ascii: "]") { bracketDepth -= 1 }
            if byte == UInt8(ascii: ">") && bracketDepth <= 0 { return }
        }
        throw error("unexpected end of the file in a declaration")
    }

    private mutating func skipSpaces() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D: position += 1
            case 0x0A: position += 1; line += 1
            default: return
            }
        }
    }

    private mutating func readName() -> String {
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "<"): 
                return String(decoding: bytes[start..<position], as: UTF8.self)
            default: position += 1
            }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func parseStartTag() throws -> (element: XMLElement, selfClosing: Bool) {
        let startLine = line
        position += 1
        let name = readName()
        guard !name.isEmpty else { throw error("expected an element name after '<'") }
        var attributes: [String: String] = [:]
        while true {
            skipSpaces()
            guard position < bytes.count else { throw error("unexpected end of the file in <\(name)>") }
            if bytes[position] == UInt8(ascii: ">") {
                position += 1
                return (XMLElement(name: name, attributes: attributes, line: startLine), false)
            }
            if starts(with: "/>") {
                position += 2
                return (XMLElement(name: name, attributes: attributes, line: startLine), true)
            }
            let attribute = readName()
            guard !attribute.isEmpty else { throw error("unexpected character in <\(name)>") }
            skipSpaces()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                throw error("expected '=' after attribute \(attribute) of <\(name)>")
            }
            position += 1
            skipSpaces()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
                throw error("expected a quoted value for attribute \(attribute) of <\(name)>")
            }
            let quote = bytes[position]
            position += 1
            let start = position
            while position < bytes.count, bytes[position] != quote {
                if bytes[position] == UInt8(ascii: "<") { throw error("'<' in the value of attribute \(attribute)") }
                if bytes[position] == 0x0A { line += 1 }
                position += 1
            }
            guard position < bytes.count else { throw error("unexpected end of the file in attribute \(attribute)") }
            attributes[attribute] = try decodeEntities(bytes[start..<position])
            position += 1
        }
    }

    private func decodeEntities(_ raw: ArraySlice<UInt8>) throws -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            guard byte == UInt8(ascii: "&") else {
                out.append(byte)
                index += 1
                continue
            }
            guard let end = raw[index...].firstIndex(of: UInt8(ascii: ";")), end - index <= 10 else {
                throw error("'&' not starting an entity (write &amp;)")
            }
            let entity = String(decoding: raw[(index + 1)..<end], as: UTF8.self)
            switch entity {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                let code: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    code = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    code = UInt32(entity.dropFirst())
                } else {
                    code = nil
                }
                guard let code, let scalar = Unicode.Scalar(code) else { throw error("unknown entity &\(entity);") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            index = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
