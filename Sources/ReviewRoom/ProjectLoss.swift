import Foundation

extension ReviewStore {
    /// Stores without a file on disk (the tests' fakes) never lose it.
    public func checkProjectFile(beforeSaving: () -> Void) -> String? { nil }
}

extension Effect {
    /// Whether running the effect writes to the project (training writes proposals).
    var writesProject: Bool {
        switch self {
        case .addSeed, .updateBox, .deleteBox, .assignBox, .setKind, .acceptAtOrAbove, .createObject, .undo, .redo, .startTraining:
            true
        case .cancelTraining, .export, .quit, .loadSnapshot, .loadBoxes, .loadQueue, .findNextDraw:
            false
        }
    }
}

extension ReviewSession {
    /// How often an idle room looks at the project file, in seconds (writes look at once).
    static let fileCheckInterval = 1.0

    /// Looks whether the project file is still the one opened; the first time it is not,
    /// training stops, the work is saved elsewhere, and the line saying so is returned.
    func projectFileLoss() -> String? {
        guard projectLost == nil else { return nil }
        let engine = self.engine
        guard let problem = store.checkProjectFile(beforeSaving: {
            if let engine, engine.isRunning { engine.cancel() }
        }) else { return nil }
        projectLost = problem
        return problem
    }

    /// The periodic look, at most once per `fileCheckInterval`.
    func projectFileLossDue() -> String? {
        let now = Date().timeIntervalSinceReferenceDate
        guard now - lastFileCheck >= Self.fileCheckInterval else { return nil }
        lastFileCheck = now
        return projectFileLoss()
    }
}
