import Foundation

/// Hands windows to the workers in order. A backward window waits until the forward window of
/// its stretch has finished: both cover the same frames, so run one after the other the backward
/// run finds them in the frame cache, while run side by side it would seek back through a video
/// a second at a time, each seek decoding from the keyframe before it. On a video, forward
/// windows also go one at a time, so that one stretch's frames fill the cache rather than two
/// half: one worker streams forward while the other goes back over the stretch just read.
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    /// Per job: the stretch whose forward window it waits for, if any.
    private let waitsFor: [Int?]
    /// Per job: the stretch it is the forward window of, if any.
    private let forwardOf: [Int?]
    private let oneForwardAtATime: Bool
    private var remaining: [Int]
    private var finishedForward: Set<Int> = []
    private var forwardRunning = 0

    init(_ waitsFor: [Int?], forward: [Int?], oneForwardAtATime: Bool) {
        self.waitsFor = waitsFor
        forwardOf = forward
        self.oneForwardAtATime = oneForwardAtATime
        remaining = Array(waitsFor.indices)
    }

    /// The first job that may start, waiting while only blocked jobs are left; nil when none is left.
    func next() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !remaining.isEmpty {
            let position = remaining.firstIndex { job in
                if forwardOf[job] != nil { return !oneForwardAtATime || forwardRunning == 0 }
                return waitsFor[job].map(finishedForward.contains) ?? true
            }
            if let position {
                let job = remaining.remove(at: position)
                if forwardOf[job] != nil { forwardRunning += 1 }
                return job
            }
            condition.wait()
        }
        return nil
    }

    /// Marks a job finished (or abandoned), waking workers that wait for it.
    func done(_ job: Int) {
        condition.lock()
        if let stretch = forwardOf[job] {
            finishedForward.insert(stretch)
            forwardRunning -= 1
        }
        condition.broadcast()
        condition.unlock()
    }
}
