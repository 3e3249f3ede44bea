import Foundation
import Imaging
import LabelStore
import MicroModel
import ReviewRoom

/// The review room's training engine (its `TrainingEngine`): the propagation engine on a
/// background thread.
///
/// Each `t` starts one pass; the engine itself skips stretches whose seeds did not change, so
/// only the objects whose seeds changed cost anything. Proposals reach the store stretch by
/// stretch, and each write is reported so the room can redraw.
public final class EngineTrainer: TrainingEngine, @unchecked Sendable {
    private let engine: PropagationEngine
    private let lock = NSLock()
    private var running = false
    private var cancelRequested = false
    private let finished = NSCondition()

    private let onWrite: @Sendable () -> Void

    /// `onWrite` runs (on a worker thread) after each batch of proposals reaches the store.
    public init(project: Project, frames: any FrameSource, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                onWrite: @escaping @Sendable () -> Void = {}) {
        self.onWrite = onWrite
        var config = PropagationConfig()
        config.threads = max(1, threads)
        engine = PropagationEngine(project: project, frames: frames, config: config)
    }

    public var isRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        return running
    }

    public func start(objects: [ObjectID]?, report: @escaping @Sendable (TrainingEvent) -> Void) throws {
        lock.lock()
        guard !running else { lock.unlock(); return }
        running = true
        cancelRequested = false
        lock.unlock()
        let thread = Thread { [self] in
            let cancel: @Sendable () -> Bool = { [weak self] in self?.isCancelRequested ?? true }
            do {
                let summary = try engine.run(objects: objects, cancel: cancel) { event in
                    switch event {
                    case let .progress(done, total):
                        report(.progress(fraction: total > 0 ? Double(done) / Double(total) : 1, detail: "\(done)/\(total) frames tracked"))
                    case let .proposalsWritten(_, _, count):
                        self.onWrite()
                        report(.proposalsWritten(count: count))
                    }
                }
                if summary.cancelled {
                    report(.cancelled)
                } else {
                    var text = "\(summary.proposals) pending proposals"
                    if summary.autoAccept > 0 {
                        text += String(format: "; A would accept %d (about %.1f wrong)", summary.autoAccept, summary.autoAcceptExpectedWrong)
                    }
                    if let first = summary.unreadableFrames.keys.min() {
                        let count = summary.unreadableFrames.count
                        text += "; \(count == 1 ? "frame \(first + 1) is" : "\(count) frames (first \(first + 1)) are") unreadable, runs stop there"
                    }
                    if summary.stale > 0 { text += "; \(summary.stale) stretches changed meanwhile, press t again" }
                    report(.finished(summary: text))
                }
            } catch {
                report(.failed(message: "\(error)"))
            }
            finished.lock()
            lock.lock(); running = false; lock.unlock()
            finished.broadcast()
            finished.unlock()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    public func cancel() {
        lock.lock()
        cancelRequested = true
        lock.unlock()
        finished.lock()
        while isRunning { _ = finished.wait(until: Date().addingTimeInterval(0.05)) }
        finished.unlock()
    }

    private var isCancelRequested: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelRequested
    }
}
