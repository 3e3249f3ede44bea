import Foundation

/// Where the repository's `sample-data/` folder is, found from this source file.
public enum Fixtures {
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    public static var sampleData: URL { repositoryRoot.appendingPathComponent("sample-data") }

    /// A fresh, empty temporary folder.
    public static func temporaryDirectory(_ name: String = "microlabel-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
