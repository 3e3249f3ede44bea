import Foundation
import LabelStore
import MicroModel

/// The project's confidence calibration: the dev prior plus the project's own evidence, which is
/// the held-out checks of its stretches (kept in the settings, one entry per stretch, so that a
/// stretch left alone by a pass keeps its checks) and its review decisions.
///
/// A box's confidence is `calibrator.probability(adjusted score)`, where the adjusted score is the
/// engine's raw score shifted by its object's held-out check pass rate
/// (`ScoreFeatures.adjusted`), and the calibrator's bins learn from the project's outcomes.
enum Calibration {
    static let checksKey = "calibration.held_out"

    static func key(_ objectID: Int64, _ frames: ClosedRange<Int>) -> String {
        "\(objectID):\(frames.lowerBound)-\(frames.upperBound)"
    }

    private struct Entry: Codable {
        var score: Double
        var right: Bool
    }

    private static func object(of key: String) -> Int64? {
        key.split(separator: ":").first.flatMap { Int64($0) }
    }

    private static func storedChecks(_ project: Project) throws -> [String: [ScoredOutcome]] {
        guard let text = try project.setting(checksKey),
              let stored = try? JSONDecoder().decode([String: [Entry]].self, from: Data(text.utf8)) else { return [:] }
        return stored.mapValues { $0.map { ScoredOutcome(score: $0.score, correct: $0.right) } }
    }

    /// Each object's held-out checks, summed over its stretch records.
    static func checksByObject(_ project: Project) throws -> [Int64: HeldOutChecks] {
        try project.stretchRecords().mapValues { records in
            records.reduce(HeldOutChecks()) { $0 + HeldOutChecks(total: $1.checks, passed: $1.checksPassed) }
        }
    }

    /// The calibrator fitted on `checks` and the review decisions, as a box's confidence from its
    /// object and raw score, and how many outcomes it rests on.
    private static func fit(_ project: Project, checks: [String: [ScoredOutcome]]) throws -> (confidence: @Sendable (Int64, Double) -> Double, evidence: Int) {
        let byObject = try checksByObject(project)
        let adjust = { @Sendable (objectID: Int64, score: Double) in ScoreFeatures.adjusted(score, checks: byObject[objectID] ?? HeldOutChecks()) }
        var evidence: [ScoredOutcome] = []
        for key in checks.keys.sorted() {
            guard let objectID = object(of: key) else { continue }
            evidence += checks[key]!.map { ScoredOutcome(score: adjust(objectID, $0.score), correct: $0.correct) }
        }
        evidence += try project.scoredDecisions().map { ScoredOutcome(score: adjust($0.objectID, $0.score), correct: $0.accepted) }
        let calibrator = ConfidenceCalibrator(evidence: evidence)
        return ({ objectID, score in calibrator.probability(adjust(objectID, score)) }, calibrator.evidenceCount)
    }

    /// The calibration as the project's evidence has it now, and a box's confidence from its object and raw score.
    static func current(_ project: Project) throws -> @Sendable (Int64, Double) -> Double {
        try fit(project, checks: try storedChecks(project)).confidence
    }

    /// Stores the checks of the stretches computed in this pass (dropping those of `objects`'
    /// stretches that no longer exist), fits the calibration again and recalibrates every pending
    /// proposal with it. Returns how many outcomes it rests on.
    @discardableResult
    static func refit(_ project: Project, newOutcomes: [String: [ScoredOutcome]], keep: Set<String>, objects: Set<Int64>) throws -> Int {
        var checks = try storedChecks(project).filter { key, _ in
            guard let objectID = object(of: key) else { return false }
            return !objects.contains(objectID) || keep.contains(key)
        }
        checks.merge(newOutcomes) { _, new in new }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let entries = checks.mapValues { $0.map { Entry(score: ($0.score * 1e6).rounded() / 1e6, right: $0.correct) } }
        try project.setSetting(checksKey, String(decoding: try encoder.encode(entries), as: UTF8.self))
        let calibration = try fit(project, checks: checks)
        try project.recalibrateProposals(calibration.confidence)
        return calibration.evidence
    }
}
