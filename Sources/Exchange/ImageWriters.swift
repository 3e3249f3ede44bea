import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DatasetExporter {
    /// An image writer for a folder source: hard-links the frame's own file when its format is the
    /// exported one (copying it when a link is impossible, e.g. across file systems), and otherwise
    /// hands the frame to `encode`, which decodes and re-encodes it with the Imaging codecs.
    /// `sourceFile` gives the source file of a 0-based frame, nil for none (then `encode` is used).
    /// `verify` runs only before a file is linked or copied, and throws for a frame that must not be
    /// exported; `encode` decodes the frame anyway, so it is not checked twice.
    public static func linkingImageWriter(sourceFile: @escaping (Int) throws -> URL?, verify: @escaping (Int) throws -> Void = { _ in },
                                          encode: @escaping ImageWriter) -> ImageWriter {
        { frame, destination in
            guard let source = try sourceFile(frame), sameFormat(source.pathExtension, destination.pathExtension) else {
                try encode(frame, destination)
                return
            }
            try verify(frame)
            if link(source.path, destination.path) == 0 { return }
            let reason = errno
            guard reason == EXDEV || reason == EPERM || reason == EMLINK || reason == ENOTSUP else {
                throw ExchangeError.imageFailed(frame: frame, path: destination.path,
                                                reason: "cannot link \(source.path): \(String(cString: strerror(reason)))")
            }
            do {
                try FileManager.default.copyItem(at: source, to: destination)
            } catch {
                throw ExchangeError.imageFailed(frame: frame, path: destination.path, reason: "cannot copy \(source.path): \(describe(error))")
            }
        }
    }

    private static func sameFormat(_ a: String, _ b: String) -> Bool {
        func normal(_ ext: String) -> String {
            let lower = ext.lowercased()
            return lower == "jpeg" ? "jpg" : lower
        }
        return normal(a) == normal(b)
    }
}

extension ExportOptions {
    /// Parses the command line's 1-based inclusive `A-B` (or a single frame `A`) into a 0-based range.
    public static func frames(parsing text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (parts.count == 1 || parts.count == 2), let first = parts[0], let last = parts.last!, first >= 1, last >= first else {
            throw ExchangeError.invalidOptions("bad frame range '\(text)': expected A-B with 1 <= A <= B, e.g. 1-500")
        }
        return (first - 1)...(last - 1)
    }
}
