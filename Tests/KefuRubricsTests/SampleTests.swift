import Foundation
import KefuContent
import KefuCore
import KefuRegex
import KefuRubrics
import Testing

@Suite("Shipped rubrics on the sample transcripts")
struct SampleTests {
    static let files: [String] = {
        let folder = repositoryRoot.appendingPathComponent("Samples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted()
    }()

    /// Bad samples whose total passes the mark by the items' definitions, with the item they exist to fail.
    /// `en-bad-guarantee`: the agent promises "100% risk-free … guaranteed", so `guarantee` fails; but its
    /// "Bye." is a farewell (a closing by the label definitions, issue 18) and `guarantee` is not critical,
    /// so the total (86.43) clears the pass mark of 80.
    static let passingBad: [String: String] = ["en-bad-guarantee": "guarantee"]

    @Test("every rubric family has good and bad samples in both languages")
    func samplesExist() {
        for family in ["conduct", "phone", "wechat", "complaint", "callback", "p2p"] {
            for language in ["zh", "en"] {
                #expect(Self.files.contains("\(family).\(language).jsonl"), "\(family).\(language)")
            }
        }
    }

    @Test("good samples pass and bad samples fail under the rubric they are named after", arguments: files)
    func goodPassBadFail(file: String) throws {
        let rubricID = String(file.dropLast(".jsonl".count))
        let loaded = try ContentRepository(root: repositoryRoot).rubric(rubricID)
        let scorer = Scorer(rubric: loaded.rubric)
        let scratch = MatchScratch()
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Samples/\(file)"), encoding: .utf8)
        var good = 0
        var bad = 0
        for line in text.split(separator: "\n") {
            let interaction = try JSONDecoder().decode(Interaction.self, from: Data(line.utf8))
            let result = scorer.score(interaction, scratch: scratch)
            #expect(!result.items.contains { $0.verdict == .error }, "\(interaction.id)")
            if interaction.id.contains("good") {
                good += 1
                #expect(
                    result.passed,
                    "\(interaction.id) should pass \(rubricID): \(result.items.filter { $0.verdict == .fail }.map(\.id))"
                )
            } else if interaction.id.contains("bad") {
                bad += 1
                if let item = Self.passingBad[interaction.id] {
                    #expect(result.passed, "\(interaction.id): only non-critical items fail, so it passes \(rubricID)")
                    #expect(
                        result.items.first { $0.id == item }?.verdict == .fail, "\(interaction.id) must fail `\(item)`")
                } else {
                    #expect(!result.passed, "\(interaction.id) should fail \(rubricID)")
                }
            }
        }
        #expect(good >= 1 && bad >= 1)
    }
}
