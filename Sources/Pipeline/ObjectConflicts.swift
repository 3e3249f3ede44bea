import Geometry
import LabelStore
import MicroModel

/// Keeps objects from taking each other's place: where boxes of different objects overlap with
/// IoU > 0.5 on one frame, only the most confident stays (the others are dropped, not moved).
/// `objects[i]` are object i's proposals; the result has the same shape.
public func resolveConflicts(_ objects: [[Proposal]]) -> [[Proposal]] {
    let dropped = conflictLosers(objects)
    return objects.enumerated().map { o, proposals in
        proposals.enumerated().filter { !dropped.contains([o, $0.offset]) }.map(\.element)
    }
}

/// The proposals `resolveConflicts` drops, as [object, index] pairs.
private func conflictLosers(_ objects: [[Proposal]]) -> Set<[Int]> {
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
    return dropped
}

/// Applies `resolveConflicts` to every object's pending proposals in the store: the losers are
/// removed, the others stay as they are (with their raw scores, which the calibration needs).
func resolveObjectConflicts(in project: Project) throws {
    let pending = try project.objects().map { try project.boxes(objectID: $0.id, kinds: [.proposal]) }
    let losers = conflictLosers(pending.map { $0.map { Proposal(frame: $0.frame, box: $0.rect, confidence: $0.confidence) } })
    guard !losers.isEmpty else { return }
    try project.removeProposals(ids: losers.map { pending[$0[0]][$0[1]].id })
}
