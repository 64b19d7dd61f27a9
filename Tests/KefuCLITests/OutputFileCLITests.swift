import Foundation
import KefuServices
import Testing

/// Files Kefu writes where the user says: never outside `QuestionBanks/`, never through a symbolic link.
@Suite("output files", .serialized)
struct OutputFileCLITests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-output-\(UUID().uuidString)")

    /// A content root with the clause catalogue, and a one-question GIFT file named `name`.
    func prepare(gift name: String = "mine.gift") throws -> (root: URL, gift: URL) {
        let root = folder.appendingPathComponent("content")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("Policies"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: KefuProcess.root.appendingPathComponent("Policies/clauses.yaml"),
            to: root.appendingPathComponent("Policies/clauses.yaml"))
        let gift = folder.appendingPathComponent(name)
        try Data("// [id:q1]\nQ? {=a ~b}\n".utf8).write(to: gift)
        return (root, gift)
    }

    /// Every file under `folder`, relative.
    func files() -> Set<String> {
        let paths = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
        return Set(paths)
    }

    @Test(
        "bank import refuses a language or bank id that could name another folder, and writes nothing",
        arguments: [
            ("mine.gift", ["--lang", "../../escaped"]), ("mine.gift", ["--lang", "en/../../escaped"]),
            ("mine.gift", ["--into", "../escaped", "--lang", "en"]), ("mine.gift", ["--into", "a/b", "--lang", "en"]),
            ("mine.gift", ["--into", "..", "--lang", "en"]), ("mine.EN.gift", []), ("mine.e_n.gift", []),
            ("mine.en-.gift", []), ("mine.zh-Hant.gift", ["--into", "x/../../escaped"]),
        ])
    func importStaysInQuestionBanks(_ name: String, _ options: [String]) throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (root, gift) = try prepare(gift: name)
        let before = files()
        let result = try KefuProcess.run(["bank", "import", gift.path, "--root", root.path] + options)
        #expect(result.status != 0, "\(name) \(options): \(result.stdout)")
        #expect(files() == before, "\(name) \(options) wrote \(files().subtracting(before))")
    }

    @Test("bank import takes a language code like zh-Hant from the file name and writes inside QuestionBanks/")
    func importWithRegionalLanguage() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (root, gift) = try prepare(gift: "mine.zh-Hant.gift")
        let result = try KefuProcess.run(["bank", "import", gift.path, "--root", root.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            FileManager.default.fileExists(atPath: root.appendingPathComponent("QuestionBanks/mine.zh-Hant.yaml").path))
    }

    @Test("bank export --output refuses a symbolic link and leaves the file it points to untouched")
    func exportRefusesSymlink() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (root, gift) = try prepare()
        #expect(
            try KefuProcess.run(["bank", "import", gift.path, "--into", "mine", "--lang", "en", "--root", root.path])
                .status == 0)
        let victim = folder.appendingPathComponent("victim.txt")
        try Data("precious\n".utf8).write(to: victim)
        let link = folder.appendingPathComponent("out.gift")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: victim)
        let refused = try KefuProcess.run([
            "bank", "export", "mine", "--lang", "en", "--root", root.path, "--output", link.path,
        ])
        #expect(refused.status != 0 && refused.stderr.contains("symbolic link"), "\(refused.stderr)")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious\n")
        let plain = folder.appendingPathComponent("plain.gift")
        let written = try KefuProcess.run([
            "bank", "export", "mine", "--lang", "en", "--root", root.path, "--output", plain.path,
        ])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(try String(contentsOf: plain, encoding: .utf8).contains("// [id:q1]"))
        #expect(!files().contains { $0.contains(".tmp-") }, "a temporary file was left behind")
    }
}

/// ``OutputFile`` itself (used by every `--output` writer: review chart, ledger, audit, bank export, QA reports).
@Suite("OutputFile")
struct OutputFileTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kefu-outputfile-\(UUID().uuidString)")

    @Test("a new file is created owner-only; an existing file is replaced whole")
    func createsPrivately() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("chart.svg").path
        try OutputFile.write(Data("first, longer text".utf8), to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try OutputFile.write(Data("second".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
    }

    @Test("a symbolic link at the target is refused, whether it points at a file or nowhere")
    func refusesLinks() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let victim = folder.appendingPathComponent("victim").path
        try Data("keep".utf8).write(to: URL(fileURLWithPath: victim))
        let link = folder.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        #expect(throws: ServiceError.self) { try OutputFile.write(Data("overwritten".utf8), to: link) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        let dangling = folder.appendingPathComponent("dangling").path
        let missing = folder.appendingPathComponent("created-through-link").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: missing)
        #expect(throws: ServiceError.self) { try OutputFile.write(Data("x".utf8), to: dangling) }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
