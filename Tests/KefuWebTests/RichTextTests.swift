import Foundation
import Testing

@testable import KefuWeb

@Suite("web: question text rendered safely (GIFT [html], [markdown], plain)")
struct RichTextTests {
    @Test("allowed tags are kept without attributes; scripts, handlers, links and styles are dropped")
    func sanitize() {
        #expect(RichText.sanitize("<p class=x onclick=\"evil()\">Hi <b>there</b></p>") == "<p>Hi <b>there</b></p>")
        #expect(RichText.sanitize("a<script>alert(1)</script>b") == "ab")
        #expect(RichText.sanitize("<SCRIPT src=x>alert(1)</ScRiPt>ok") == "ok")
        #expect(RichText.sanitize("<img src=x onerror=alert(1)>text") == "text")
        #expect(RichText.sanitize("<a href=\"javascript:alert(1)\">click</a>") == "click")
        #expect(RichText.sanitize("<style>body{}</style><iframe src=x></iframe>x") == "x")
        #expect(RichText.sanitize("<p title='a>b'>t</p>") == "<p>t</p>")
        #expect(RichText.sanitize("<!-- <script> -->ok") == "ok")
    }

    @Test("text is escaped once: entities are decoded first, stray < is text, unclosed tags are closed")
    func escaping() {
        #expect(RichText.sanitize("1 &lt; 2 &amp; 3 > 2") == "1 &lt; 2 &amp; 3 &gt; 2")
        #expect(RichText.sanitize("a < b") == "a &lt; b")
        #expect(RichText.sanitize("<b><i>x</b>") == "<b><i>x</i></b>")
        #expect(RichText.sanitize("<ul><li>one") == "<ul><li>one</li></ul>")
        #expect(RichText.sanitize("</p>stray") == "stray")
        #expect(RichText.sanitize("&#x4E2D;&#25991;") == "中文")
        #expect(RichText.html("<b>\"quoted\"</b>", format: "plain") == "&lt;b&gt;&quot;quoted&quot;&lt;/b&gt;")
    }

    @Test("markdown: emphasis, code, lists and paragraphs from escaped text; HTML inside stays text")
    func markdown() {
        #expect(
            RichText.markdown("**重要** and *soft* `code`")
                == "<p><strong>重要</strong> and <em>soft</em> <code>code</code></p>")
        #expect(
            RichText.markdown("- a\n- b\n\n1. x\n2. y") == "<ul><li>a</li><li>b</li></ul><ol><li>x</li><li>y</li></ol>")
        #expect(RichText.markdown("<script>x</script>") == "<p>&lt;script&gt;x&lt;/script&gt;</p>")
        #expect(RichText.markdown("line one\nline two\n\nnext") == "<p>line one<br>line two</p><p>next</p>")
    }

    /// Question texts: hostile ones and every line of the shipped question banks, in every format.
    static func corpus() throws -> [String] {
        var texts = [
            "<p class=x onclick=\"evil()\">Hi <b>there</b></p>", "a<script>alert(1)</script>b", "<b><i>x</b> y</i>",
            "1 &lt; 2 &amp; 3 > 2", "it's \"quoted\" & <u>under</u><br>next<hr>", "<ul><li>one<li>two", "</p>stray",
            "**a *b** c*", "- a\n- b\n\n1. x", "`<script>`", "&#x4E2D;&#25991; &nbsp; &bogus; &#0;", "{{not mustache}}",
            "<table><tr><td>1<td>2</table>", "<p>para<p>another",
        ]
        let banks = repositoryRoot.appendingPathComponent("QuestionBanks")
        for name in try FileManager.default.contentsOfDirectory(atPath: banks.path) where name.hasSuffix(".gift") {
            let text = try String(contentsOf: banks.appendingPathComponent(name), encoding: .utf8)
            texts += text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("//") && !$0.isEmpty }
        }
        return texts
    }

    @Test("the node tree renders (through Mustache's escaping) exactly the sanitized HTML, for every format")
    func nodesRenderTheSameHTML() async throws {
        let pages = try await Pages.load(WebConfiguration(root: repositoryRoot.path))
        let texts = try Self.corpus()
        #expect(texts.count > 300)
        for text in texts {
            for format in ["html", "markdown", "moodle", "plain"] {
                let expected = RichText.sanitize(RichText.html(text, format: format))
                let rendered = pages.library.render(RichText.content(text, format: format), withTemplate: "rich")
                #expect(normalized(rendered ?? "") == normalized(expected), "\(format): \(text)")
            }
        }
        let hostile = pages.library.render(
            RichText.content("<b>x</b><script>1</script>", format: "html"), withTemplate: "rich")
        #expect(hostile == "<b>x</b>")
    }

    /// The same text whichever way a quote is escaped (`&#39;` or `&#x27;`, `&quot;` or `&#34;`).
    func normalized(_ html: String) -> String {
        html.replacingOccurrences(of: "&#x27;", with: "&#39;").replacingOccurrences(of: "&#34;", with: "&quot;")
            .replacingOccurrences(of: "&#x22;", with: "&quot;")
    }
}
