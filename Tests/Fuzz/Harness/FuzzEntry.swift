import Foundation
import TestSupport

// libFuzzer's entry points. The target is chosen by MICROLABEL_FUZZ_TARGET (one of
// FuzzTarget's names); MICROLABEL_FUZZ_SEEDS names a folder to fill with the target's valid
// inputs before fuzzing starts. Built and run by Tests/Fuzz/fuzz.sh.

private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["MICROLABEL_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set MICROLABEL_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

private let scratch: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    if let folder = ProcessInfo.processInfo.environment["MICROLABEL_FUZZ_SEEDS"] {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (index, seed) in target.seeds.enumerated() {
            _ = FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(seed))
        }
    }
    _ = scratch
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target.run(bytes, scratch: scratch)
    return 0
}

// SwiftPM links an executable with `main` pointing at `<module>_main`; this one hands the
// process to libFuzzer's driver, which would otherwise provide `main` itself.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("microlabel_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    _ = fuzzerInitialize(nil, nil)
    return runDriver(&count, &arguments, { data, size in fuzzerTestOneInput(data, size) })
}
