import Foundation
import XCTest

/// The Python tools that check our exports from the outside (datumaro, pycocotools).
enum Python {
    /// Runs `python3 ARGUMENTS` and waits; output and errors together. Skips the test when python3
    /// cannot be started.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw XCTSkip("python3 cannot be started: \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Skips the test unless `python3 -c "import MODULE"` works; `package` is what pip installs.
    static func require(_ module: String, package: String) throws {
        let probe = try run(["-c", "import \(module)"])
        guard probe.status == 0 else {
            throw XCTSkip("\(package) is not installed (pip install \(package)): \(probe.output.suffix(200))")
        }
    }
}
