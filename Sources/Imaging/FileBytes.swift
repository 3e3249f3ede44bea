#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file and file-prefix reads with plain POSIX calls: one open, one fstat,
/// one allocation, as few reads as the kernel allows.
enum FileBytes {
    /// The whole file.
    static func read(path: String) throws -> [UInt8] {
        try read(path: path, limit: Int.max).bytes
    }

    /// At most `limit` bytes from the start of the file, and the file's full size.
    static func read(path: String, limit: Int) throws -> (bytes: [UInt8], fileSize: Int) {
        let (descriptor, status) = try openForReading(path)
        defer { close(descriptor) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ImagingError.unreadableFile(path: path, reason: "not a regular file")
        }
        let fileSize = Int(status.st_size)
        return (try readUpTo(min(fileSize, limit), from: descriptor, path: path), fileSize)
    }

    /// The last `count` bytes of the file (fewer when it is shorter).
    static func tail(path: String, count: Int) throws -> [UInt8] {
        let (descriptor, status) = try openForReading(path)
        defer { close(descriptor) }
        let size = Int(status.st_size)
        let wanted = min(size, count)
        guard wanted > 0, lseek(descriptor, off_t(size - wanted), SEEK_SET) >= 0 else { return [] }
        return try readUpTo(wanted, from: descriptor, path: path)
    }

    /// The file opened read-only, and its fstat; the caller closes it.
    private static func openForReading(_ path: String) throws -> (descriptor: Int32, status: stat) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImagingError.unreadableFile(path: path, reason: errnoText()) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = errnoText()
            close(descriptor)
            throw ImagingError.unreadableFile(path: path, reason: reason)
        }
        return (descriptor, status)
    }

    /// Reads up to `count` bytes from the descriptor's offset in one allocation; fewer when
    /// the file ends first (it shrank while we read it).
    private static func readUpTo(_ count: Int, from descriptor: Int32, path: String) throws -> [UInt8] {
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let got = posixRead(descriptor, buffer.baseAddress! + done, count - done)
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errnoText()
                    break
                }
                if got == 0 { break }
                done += got
            }
            initialized = done
        }
        if let failure { throw ImagingError.unreadableFile(path: path, reason: failure) }
        return bytes
    }

    /// Why `path` cannot be opened, in words, or nil when it exists. Tells a symbolic link loop
    /// and a missing permission apart from a missing file.
    static func problem(path: String) -> String? {
        var status = stat()
        if stat(path, &status) == 0 { return nil }
        switch errno {
        case ENOENT: return "no such file or folder"
        case ELOOP: return "a symbolic link loop (a link that leads back to itself)"
        case EACCES: return "permission denied"
        case ENOTDIR: return "a part of the path is not a folder"
        default: return errnoText()
        }
    }

    /// Writes `bytes` to `path`, replacing the file.
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ImagingError.unwritableFile(path: path, reason: errnoText()) }
        var done = 0
        while done < bytes.count {
            let wrote = posixWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                close(descriptor)
                throw ImagingError.unwritableFile(path: path, reason: reason)
            }
            done += wrote
        }
        guard close(descriptor) == 0 else { throw ImagingError.unwritableFile(path: path, reason: errnoText()) }
    }

    private static func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
        #else
        Darwin.read(descriptor, buffer, count)
        #endif
    }

    private static func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, buffer, count)
        #else
        Darwin.write(descriptor, buffer, count)
        #endif
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
