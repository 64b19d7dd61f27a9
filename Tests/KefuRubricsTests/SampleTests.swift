import Foundation
import Testing
import KefuContent
import KefuCore
import KefuRegex
import KefuRubrics

@Suite("Shipped rubrics on the sample transcripts")
struct SampleTests {
    static let files: [String] = {
        let folder = repositoryRoot.appendingPathComponent("Samples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted()
    }()

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
                #expect(result.passed, "\(interaction.id) should pass \(rubricID): \(result.items.filter { $0.verdict == .fail }.map(\.id))")
            } else if interaction.id.contains("bad") {
                bad += 1
                #expect(!result.passed, "\(interaction.id) should fail \(rubricID)")
            }
        }
        #expect(good >= 1 && bad >= 1)
    }
}
