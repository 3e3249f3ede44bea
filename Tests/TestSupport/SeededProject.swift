import Foundation
import Geometry
import Imaging
import LabelStore
import Synthetic

/// A project on generated frames, written as PPM files to `directory/framesFolder` (once: a
/// folder already there is reused), with one object of label "thing" seeded with its true boxes
/// on `seedFrames`. Each call makes a new project file.
public func makeSeededProject(frameCount: Int, frame: (Int) -> RGBImage, truth: (Int) -> BoxRect, seedFrames: [Int],
                              in directory: URL, framesFolder: String = "frames") throws
    -> (project: Project, source: FolderSource, objectID: Int64) {
    let folder = directory.appendingPathComponent(framesFolder)
    if !FileManager.default.fileExists(atPath: folder.path) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<frameCount {
            try ImageCodec.encodePPM(frame(index)).write(to: folder.appendingPathComponent(String(format: "%04d.ppm", index + 1)))
        }
    }
    let source = try FolderSource(folder: folder)
    let project = try Project.create(
        at: directory.appendingPathComponent("\(framesFolder)-\(UUID().uuidString.prefix(6)).microlabel"),
        source: SourceInfo(path: folder.path, kind: .folder, frameCount: source.frameCount, width: source.width, height: source.height, fps: 25),
        labels: ["thing"], frameFiles: source.fileNames)
    let object = try project.addObject(labelID: try project.labels()[0].id)
    for seed in seedFrames { _ = try project.addBox(NewBox(frame: seed, objectID: object.id, rect: truth(seed))) }
    return (project, source, object.id)
}

/// `makeSeededProject` on a `SyntheticSequence` and its true boxes.
public func makeSeededProject(_ sequence: SyntheticSequence, seedFrames: [Int], in directory: URL,
                              framesFolder: String = "frames") throws -> (project: Project, source: FolderSource, objectID: Int64) {
    try makeSeededProject(frameCount: sequence.frameCount, frame: sequence.frame, truth: sequence.rect,
                          seedFrames: seedFrames, in: directory, framesFolder: framesFolder)
}
