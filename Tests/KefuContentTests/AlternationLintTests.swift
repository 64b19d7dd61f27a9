import Foundation
import Testing

@testable import KefuContent

/// Lint flags repeated groups whose alternatives overlap (exponential backtracking) before they fail at run time.
@Suite("lint: overlapping alternation")
struct AlternationLintTests {
    @Test(
        "a repeated group whose alternatives can match the same text is an error",
        arguments: [
            #"(a|aa)+$"#, #"(a|a?)+"#, #"(\w|\d)+x"#, #"^(?:x|xy|y)*z"#, #"(?<word>[a-z]|[aeiou])+!"#,
            #"(\s|.)*end"#, #"(您好|您|好)+吗"#, #"x(ba|b|a)*y"#,
        ])
    func flagged(_ pattern: String) throws {
        let problem = try #require(CatastrophicPatternCheck.problem(in: pattern), "`\(pattern)` was not flagged")
        #expect(problem.message.contains("alternatives of this repeated group"))
    }

    @Test(
        "look-alikes whose alternatives cannot overlap, or that are not repeated without bound, pass",
        arguments: [
            #"(ab|cd)+"#, #"(?:您好|你好)"#, #"(?:您好|你好)+"#, #"(ab|ac)+"#, #"(a|b)+"#, #"(\d|[a-z])+"#,
            #"(a|aa)"#, #"(a|aa){1,3}"#, #"(?>a|aa)+"#, #"(a|aa)++"#, #"(?=a|aa)+"#, #"([0-9]{3}|x)+"#,
            #"(请问|麻烦)[^，。]*"#, #"(\.|,)+"#, #"(您|您好)+吗"#, #"(b|ba)*c"#,
        ])
    func notFlagged(_ pattern: String) {
        #expect(CatastrophicPatternCheck.problem(in: pattern) == nil, "`\(pattern)` was flagged")
    }

    @Test("the error points at the group's opening parenthesis")
    func offset() throws {
        let problem = try #require(CatastrophicPatternCheck.problem(in: #"^id:(a|aa)+$"#))
        #expect(problem.offset == 4)
    }
}
