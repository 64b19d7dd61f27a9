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
}
