import Foundation
import HTTPTypes
import Hummingbird
import Yams

/// The interface strings, one YAML file per locale (`Web/locales/zh.yaml`, `Web/locales/en.yaml`): flat
/// `key: text` mappings with the same keys in both. Chinese is the default.
struct Locales: Sendable {
    /// The supported locales, default first.
    static let supported = ["zh", "en"]
    /// locale → key → text.
    let strings: [String: [String: String]]

    /// Loads every supported locale from `directory`: `zh.yaml` plus any `zh.PART.yaml` (one per area of the app, e.g.
    /// `zh.qa.yaml`), and the same for `en`. A missing main file, a non-string value, a key defined in two files or a
    /// key missing from one locale is an error naming the file.
    init(directory: String) throws {
        var strings: [String: [String: String]] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for locale in Self.supported {
            let parts = names.filter { $0.hasPrefix("\(locale).") && $0.hasSuffix(".yaml") && $0 != "\(locale).yaml" }
            var table: [String: String] = [:]
            for name in ["\(locale).yaml"] + parts.sorted() {
                let path = (directory as NSString).appendingPathComponent(name)
                for (key, text) in try Self.read(path, locale: locale) {
                    guard table.updateValue(text, forKey: key) == nil else {
                        throw WebError(
                            .internalServerError, "\(path): `\(key)` is already defined in another \(locale) file")
                    }
                }
            }
            strings[locale] = table
        }
        let keys = Set(strings["zh"]?.keys ?? [:].keys)
        for locale in Self.supported {
            let missing = keys.symmetricDifference(Set(strings[locale]?.keys ?? [:].keys)).sorted()
            if !missing.isEmpty {
                throw WebError(
                    .internalServerError,
                    "\(directory): keys not in every locale: \(missing.prefix(10).joined(separator: ", "))")
            }
        }
        self.strings = strings
    }

    /// One file's flat `key: text` mapping.
    private static func read(_ path: String, locale: String) throws -> [String: String] {
        let map = try yamlMapping(
            path, missing: "the \(locale) strings are missing", expected: "expected a mapping of keys to texts")
        var table: [String: String] = [:]
        for (key, value) in map {
            guard let text = value as? String else {
                throw WebError(.internalServerError, "\(path): `\(key)` must be a text")
            }
            table[key] = text
        }
        return table
    }

    /// The strings of `locale` (Chinese for an unknown one).
    func table(_ locale: String) -> [String: String] { strings[locale] ?? strings["zh"] ?? [:] }

    /// One string, with `{name}` placeholders filled.
    func text(_ key: String, _ locale: String, _ values: [String: String] = [:]) -> String {
        var text = table(locale)[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The language of a request: the `kefu_lang` cookie (the person's choice), else the first supported language of
    /// `Accept-Language` by quality, else Chinese.
    static func choose(request: Request) -> String {
        if let chosen = request.cookies[CookieName.language]?.value, supported.contains(chosen) { return chosen }
        return fromAcceptLanguage(request.headers[.acceptLanguage])
    }

    /// The best supported language of an `Accept-Language` header (`en-GB,en;q=0.9,zh;q=0.8` → `en`).
    static func fromAcceptLanguage(_ header: String?) -> String {
        guard let header else { return "zh" }
        var best: (String, Double)?
        for (index, part) in header.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let tag = (pieces.first ?? "").lowercased()
            let primary = String(tag.split(separator: "-").first ?? "")
            guard supported.contains(primary) else { continue }
            var quality = 1.0
            for piece in pieces.dropFirst() where piece.hasPrefix("q=") {
                quality = Double(piece.dropFirst(2)) ?? 0
            }
            // Earlier entries win ties (the header's order is the person's order).
            let score = quality - Double(index) * 1e-6
            if quality > 0, best == nil || score > best!.1 { best = (primary, score) }
        }
        return best?.0 ?? "zh"
    }
}

/// The top-level mapping of the YAML file at `path`; errors name the file: `missing` when it cannot be read,
/// `expected` when it is not a mapping.
func yamlMapping(_ path: String, missing: String, expected: String) throws -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw WebError(.internalServerError, "\(path): \(missing)")
    }
    let node: Any?
    do { node = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) } catch {
        throw WebError(.internalServerError, "\(path): not valid YAML: \(error)")
    }
    guard let map = node as? [String: Any] else { throw WebError(.internalServerError, "\(path): \(expected)") }
    return map
}
