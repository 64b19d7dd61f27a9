import Foundation
import KefuServices
import Testing

@testable import KefuCLI

@Suite("error hints")
struct HintTests {
    /// Every hint action a service names must render as a command, or the person sees no next step.
    @Test("every hint action used in Sources/ renders as a kefu command with its arguments")
    func everyHintRenders() throws {
        let sources = KefuProcess.root.appendingPathComponent("Sources")
        let files =
            FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        let pattern = try Regex(#"(?:hint: \.init|Hint)\("([a-z.-]+)""#)
        var actions = Set<String>()
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output[1].substring { actions.insert(String(name)) }
            }
        }
        #expect(actions.count >= 10, "found \(actions.sorted())")
        for action in actions.sorted() {
            let command = Edge.command(for: .init(action, [:]))
            #expect(command?.hasPrefix("kefu ") == true, "no command for hint `\(action)`")
        }
        #expect(
            Edge.command(for: .init("exam.clear", ["person": "E003", "blueprint": "onboarding-theory"]))
                == "kefu exam clear E003 onboarding-theory --as SUPERVISOR")
        #expect(Edge.command(for: .init("no.such.action")) == nil)
    }
}
