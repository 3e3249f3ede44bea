import Foundation
import XCTest

/// The target graph: the model and the exchange formats never reach the store, there is no
/// cycle, and the README's Layout section lists exactly what Package.swift declares.
final class PackageGraphTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Library and executable targets of Package.swift (test support and tests left out), with their dependencies.
    private func declaredGraph() throws -> [String: Set<String>] {
        let text = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"\.(target|executableTarget)\(\s*name:\s*"(\w+)"(?:,\s*dependencies:\s*\[([^\]]*)\])?"#)
        var graph: [String: Set<String>] = [:]
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let name = String(text[Range(match.range(at: 2), in: text)!])
            if name == "TestSupport" || name.hasSuffix("-fuzz") { continue }
            let list = Range(match.range(at: 3), in: text).map { String(text[$0]) } ?? ""
            graph[name] = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"\n")) }.filter { !$0.isEmpty })
        }
        return graph
    }

    /// The `NAME -> A, B` lines (and `NAME (Foundation only)`) of the README's Layout section.
    private func drawnGraph() throws -> [String: Set<String>] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let layout = try XCTUnwrap(text.range(of: "## Layout")).upperBound
        var graph: [String: Set<String>] = [:]
        for line in text[layout...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let parts = line.components(separatedBy: " -> ")
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            if parts.count == 2, !name.contains(" ") {
                graph[name] = Set(parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            } else if line.hasSuffix("(Foundation only)"), let first = line.split(separator: " ").first {
                graph[String(first)] = []
            }
        }
        return graph
    }

    private func reachable(from start: String, in graph: [String: Set<String>]) -> Set<String> {
        var seen: Set<String> = [], stack = Array(graph[start] ?? [])
        while let next = stack.popLast() {
            if seen.insert(next).inserted { stack.append(contentsOf: graph[next] ?? []) }
        }
        return seen
    }

    func testTheModelAndTheExchangeFormatsDoNotReachTheStore() throws {
        let graph = try declaredGraph()
        XCTAssertEqual(graph["Geometry"], [], "Geometry is a leaf")
        for target in ["MicroModel", "Exchange", "Geometry", "Imaging"] {
            XCTAssertNotNil(graph[target], target)
            XCTAssertFalse(reachable(from: target, in: graph).contains("LabelStore"), "\(target) reaches LabelStore")
        }
        XCTAssertEqual(reachable(from: "MicroModel", in: graph).intersection(graph.keys), ["Imaging", "Geometry", "CCodecs"])
        for target in graph.keys {
            XCTAssertFalse(reachable(from: target, in: graph).contains(target), "\(target) is in a cycle")
        }
    }

    func testTheReadmeDrawsTheDeclaredGraph() throws {
        let declared = try declaredGraph()
        let drawn = try drawnGraph()
        XCTAssertFalse(drawn.isEmpty)
        XCTAssertEqual(Set(drawn.keys), Set(declared.keys), "targets in README.md's Layout against Package.swift")
        for (target, dependencies) in declared {
            XCTAssertEqual(drawn[target], dependencies, "dependencies of \(target)")
        }
    }
}
