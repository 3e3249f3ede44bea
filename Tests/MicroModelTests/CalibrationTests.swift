import XCTest
@testable import MicroModel

final class CalibrationTests: XCTestCase {
    private func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    /// Without evidence of its own, a project gets the prior: the score itself, monotone.
    func testWithoutEvidenceTheScoreIsKept() {
        let calibrator = ConfidenceCalibrator()
        XCTAssertEqual(calibrator.evidenceCount, 0)
        for z in stride(from: -3.0, through: 6.0, by: 0.5) {
            XCTAssertEqual(calibrator.probability(sigmoid(z)), sigmoid(z), accuracy: 0.06, "logit \(z)")
        }
        let scores = stride(from: 0.0, through: 1.0, by: 0.01).map { $0 }
        let probabilities = calibrator.probabilities(scores)
        XCTAssertEqual(probabilities, probabilities.sorted(), "a higher score is never less likely right")
    }

    /// Outcomes of its own rule the bins they fall in: a score the dev prior trusts at 0.92, wrong
    /// in this project 40 times out of 40, is trusted little (the higher scores, without evidence,
    /// are pooled with it to stay monotone); as many outcomes as the prior's weight move it a long way.
    func testTheProjectsOwnEvidenceDominatesThePrior() {
        let score = sigmoid(2.5)
        let prior = ConfidenceCalibrator().probability(score)
        let wrong = ConfidenceCalibrator(evidence: Array(repeating: ScoredOutcome(score: score, correct: false), count: 40))
        XCTAssertGreaterThan(prior, 0.9)
        XCTAssertLessThan(wrong.probability(score), 0.35)
        let some = ConfidenceCalibrator(evidence: Array(repeating: ScoredOutcome(score: score, correct: false), count: 8))
        XCTAssertLessThan(some.probability(score), prior - 0.25)
        XCTAssertGreaterThan(some.probability(score), wrong.probability(score))
        // Far away on the score axis the prior still rules, unless monotonicity forbids it.
        XCTAssertEqual(wrong.probability(sigmoid(-2.5)), ConfidenceCalibrator().probability(sigmoid(-2.5)), accuracy: 0.05)
        let probabilities = wrong.probabilities(stride(from: 0.0, through: 1.0, by: 0.01).map { $0 })
        XCTAssertEqual(probabilities, probabilities.sorted(), "still monotone after contradicting evidence")
    }

    /// Right outcomes at a score the prior doubts raise it.
    func testRightOutcomesRaiseADoubtedScore() {
        let score = sigmoid(0.5)
        let right = ConfidenceCalibrator(evidence: Array(repeating: ScoredOutcome(score: score, correct: true), count: 60))
        XCTAssertGreaterThan(right.probability(score), 0.85)
        XCTAssertLessThan(ConfidenceCalibrator().probability(score), 0.7)
    }

    /// ECE on a hand-made set: two bins, each off by a known amount.
    func testReliabilityTableAndECE() {
        var outcomes: [(confidence: Double, correct: Bool)] = []
        outcomes += (0..<10).map { (confidence: 0.95, correct: $0 < 9) }   // 0.95 said, 0.9 right
        outcomes += (0..<10).map { (confidence: 0.25, correct: $0 < 5) }   // 0.25 said, 0.5 right
        let table = Reliability(outcomes)
        XCTAssertEqual(table.total, 20)
        XCTAssertEqual(table.bins.count, 10)
        XCTAssertEqual(table.bins[9].count, 10)
        XCTAssertEqual(table.bins[9].shareCorrect, 0.9, accuracy: 1e-9)
        XCTAssertEqual(table.bins[2].meanConfidence, 0.25, accuracy: 1e-9)
        XCTAssertEqual(table.expectedCalibrationError, 0.5 * 0.05 + 0.5 * 0.25, accuracy: 1e-9)
        XCTAssertTrue(table.description.contains("ECE (10 bins) 0.150 over 20 boxes"), table.description)
        XCTAssertEqual(Reliability([]).expectedCalibrationError, 0)
    }

    /// The held-out check rate shifts every score of an object: all checks passed raise, all failed lower.
    func testCheckRateShiftsTheScore() {
        let score = 0.8
        XCTAssertGreaterThan(ScoreFeatures.adjusted(score, checks: HeldOutChecks(total: 4, passed: 4)), score)
        XCTAssertLessThan(ScoreFeatures.adjusted(score, checks: HeldOutChecks(total: 4, passed: 0)), score)
        XCTAssertEqual(ScoreFeatures.adjusted(score, checks: HeldOutChecks(total: 2, passed: 1)), score, accuracy: 1e-9, "even: no shift")
    }
}
