import Foundation
import Imaging

extension Fixtures {
    /// The path of a program on PATH, if installed.
    public static func program(_ name: String) -> URL? { findProgram(name) }

    public static var hasFFmpeg: Bool { program("ffmpeg") != nil && program("ffprobe") != nil }

    /// The built `microlabel` executable next to the test bundle.
    public static var microlabelExecutable: URL {
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("microlabel")
    }
}

/// What a finished run of a program printed, and how it exited.
public struct RunResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs the microlabel executable with `arguments` and waits for it.
public func runMicrolabel(_ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = Fixtures.microlabelExecutable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes to the end before waiting, on two threads, so neither can fill and block.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}
