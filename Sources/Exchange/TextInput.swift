import Foundation

/// Text files from other tools: UTF-8 with or without a byte-order mark, lines ended by LF or CRLF
/// (Windows tools, and datumaro on any system, write CRLF). Anything that is not UTF-8 is refused
/// with the line of the first bad byte, so that no name is ever stored with U+FFFD in it.

/// The text of `url`, checked to be UTF-8, without a leading byte-order mark.
func readText(_ url: URL) throws -> String {
    try decodeText(readData(url), path: url.path)
}

/// `data` as UTF-8 text without its byte-order mark; an error naming `path` and the line when it is not UTF-8.
func decodeText(_ data: Data, path: String) throws -> String {
    let bytes = try utf8Bytes(data, path: path)
    return String(decoding: bytes, as: UTF8.self)
}

/// The bytes of `data` after a UTF-8 byte-order mark, checked to be valid UTF-8.
func utf8Bytes(_ data: Data, path: String) throws -> ArraySlice<UInt8> {
    let all = [UInt8](data)
    if all.starts(with: [0xFF, 0xFE]) || all.starts(with: [0xFE, 0xFF]) {
        throw ExchangeError.malformed(path: path, location: "line 1",
                                      reason: "the file is UTF-16 text; save it as UTF-8")
    }
    let body = all.starts(with: [0xEF, 0xBB, 0xBF]) ? all[3...] : all[...]
    if let bad = firstInvalidUTF8(body) {
        let line = 1 + body[body.startIndex..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let byte = String(body[bad], radix: 16, uppercase: true)
        throw ExchangeError.malformed(path: path, location: "line \(line)",
                                      reason: "the file is not UTF-8 text (byte 0x\(byte)); save it as UTF-8")
    }
    return body
}

/// The index of the first byte that does not belong to a well-formed UTF-8 sequence, nil when all do.
func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
    var index = bytes.startIndex
    let end = bytes.endIndex
    while index < end {
        let lead = bytes[index]
        if lead < 0x80 {
            index += 1
            continue
        }
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // the allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // no UTF-16 surrogates
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return index
        }
        guard end - index >= length else { return index }
        let second = bytes[index + 1]
        guard second >= low && second <= high else { return index }
        for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 {
            return index
        }
        index += length
    }
    return nil
}

/// Every line of `text` with its 1-based number, without the line end (LF or CRLF); indentation kept.
func rawLines(of text: String) -> [(number: Int, text: String)] {
    var result: [(Int, String)] = []
    var number = 0
    for line in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
        number += 1
        let content = line.last == 0x0D ? line.dropLast() : line[...]
        result.append((number, String(decoding: content, as: UTF8.self)))
    }
    return result
}

/// The non-blank lines of `text` with their 1-based line numbers, trimmed of surrounding whitespace.
func lines(of text: String) -> [(number: Int, text: String)] {
    rawLines(of: text).compactMap { entry in
        let trimmed = entry.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : (entry.number, trimmed)
    }
}

/// The numbers of a line separated by commas, tabs or spaces; nil where a field is not a number.
func numbers(in line: String) -> [Double?] {
    line.split(whereSeparator: { $0 == "," || $0 == "\t" || $0 == " " }).map { Double($0) }
}
