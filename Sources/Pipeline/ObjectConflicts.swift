import Geometry
import LabelStore
import MicroModel

/// Keeps objects from taking each other's place: where boxes of different objects overlap with
/// IoU > 0.5 on one frame, only the most confident stays (the others are dropped, not moved).
/// `objects[i]` are object i's proposals; the result has the same shape.
public func resolveConflicts(_ objects: [[Proposal]]) -> [[Proposal]] {
    var byFrame: [Int: [(object: Int, index: Int)]] = [:]
    for (o, proposals) in objects.enumerated() {
        for (i, p) in proposals.enumerated() { byFrame[p.frame, default: []].append((o, i)) }
    }
    var dropped = Set<[Int]>()
    for frame in byFrame.keys.sorted() {
        let entries = byFrame[frame]!.sorted {
            let a = objects[$0.object][$0.index], b = objects[$1.object][$1.index]
            return a.confidence != b.confidence ? a.confidence > b.confidence : $0.object < $1.object
        }
        var kept: [(object: Int, box: BoxRect)] = []
        for e in entries {
            let box = objects[e.object][e.index].box
            if kept.contains(where: { $0.object != e.object && $0.box.iou(box) > 0.5 }) {
                dropped.insert([e.object, e.index])
            } else {
                kept.append((e.object, box))
            }
        }
    }
    return objects.enumerated().map { o, proposals in
        proposals.enumerated().filter { !dropped.contains([o, $0.offset]) }.map(\.element)
    }
}


/// Applies `resolveConflicts` to every object's pending proposals in the store, rewriting the
/// objects that lost some. `frameCount` frames; nothing happens without frames.
func resolveObjectConflicts(in project: Project, frameCount: Int) throws {
    guard frameCount > 0 else { return }
    let objects = try project.objects()
    let pending = try objects.map { object in
        try project.boxes(objectID: object.id, kinds: [.proposal]).map {
            Proposal(frame: $0.frame, box: $0.rect, confidence: $0.confidence)
        }
    }
    let kept = resolveConflicts(pending)
    for (index, object) in objects.enumerated() where kept[index].count != pending[index].count {
        let boxes = kept[index].map { ProposedBox(frame: $0.frame, rect: $0.box, confidence: $0.confidence) }
        try project.replaceProposals(objectID: object.id, frames: 0...(frameCount - 1), with: boxes)
    }
}
