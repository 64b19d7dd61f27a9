import KefuRegex

extension Masker {
    /// Names given in self-introductions, as original byte ranges. Conservative: Chinese names need a
    /// common surname and a clear end (punctuation, a title such as `先生`, or a following word such as
    /// `的`, `身份证`, `想`); English names are one to three capitalised words after `my name is`, or
    /// between `this is` and `speaking`.
    func nameFindings(_ text: String, scratch: MatchScratch) throws(RegexError) -> [Range<Int>] {
        var out = Self.chineseNames(text)
        var utf8 = Array(text.utf8)
        try utf8.withUnsafeMutableBufferPointer { (mutable) throws(RegexError) in
            out += try englishName.allMatches(in: UnsafeBufferPointer(mutable), scratch: scratch)
        }
        return out
    }

    /// Cues before a Chinese name; `requiresEnd` cues (`我是`) accept a name only when a title follows it
    /// or it ends the phrase.
    static let chineseCues: [(cue: [Unicode.Scalar], requiresEnd: Bool)] = [
        ("我叫", false), ("我的名字是", false), ("我的名字叫", false), ("本人", false), ("我是", true), ("我姓名是", false),
        ("姓名", false), ("名字是", false),
    ].map { (Array($0.0.unicodeScalars), $0.1) }

    /// Common surnames (surnames that are also common words — `高`, `成`, `和`, `方`, `余`, `付`, `江` — are left out).
    static let surnames: Set<Unicode.Scalar> = Set(
        ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
            + "石廖贾夏韦傅邹孟熊秦邱尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵严覃武戴莫孔汤施牛樊葛邢乔伍庞颜倪庄聂章鲁岳翟"
            + "殷詹欧耿焦俞柳祝阮柯纪梅凌裴霍涂谷翁冉骆蓝靳柴蒙鲍喻祁蒲滕饶艾穆卓缪褚娄窦戚岑宫卜瞿佟臧闵苟邬卞姬栾隋刁"
            + "甄郁胥栗楚鄢奚冼蔺阚").unicodeScalars)

    /// Words that end a name (`我叫李红，`, `本人王小明身份证…`, `我是张伟先生`).
    static let nameEnds: [[Unicode.Scalar]] = [
        "先生", "女士", "小姐", "的", "身份", "电话", "手机", "卡", "邮箱", "号", "想", "要", "来", "在", "打", "是", "有",
        "啊", "呀", "哈", "呢", "吧", "，", "。", "、", "！", "？", "；", "：",
    ].map { Array($0.unicodeScalars) }

    /// Words that start with a surname but are no name (`本人马上到`, `我是周末来的`).
    static let notNames: [[Unicode.Scalar]] = [
        "马上", "周末", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "许多", "许可", "曾经", "程序", "何时", "韩国",
        "陈述", "黄金", "谢谢", "任何", "任务", "范围", "陆续", "钟点", "叶子", "董事", "肖像", "孙子", "潘多", "杜绝",
    ].map { Array($0.unicodeScalars) }

    static let titles: [[Unicode.Scalar]] = ["先生", "女士", "小姐"].map { Array($0.unicodeScalars) }

    static func isHan(_ s: Unicode.Scalar) -> Bool { (0x4E00...0x9FFF).contains(s.value) }

    /// Chinese names after a self-introduction cue, as original byte ranges.
    static func chineseNames(_ text: String) -> [Range<Int>] {
        // Cheap pre-check: every cue starts with 我, 本, 姓 or 名.
        guard text.unicodeScalars.contains(where: { $0 == "我" || $0 == "本" || $0 == "姓" || $0 == "名" }) else {
            return []
        }
        let scalars = Array(text.unicodeScalars)
        var offsets = [0]
        for s in scalars { offsets.append(offsets[offsets.count - 1] + UTF8.width(s)) }
        var out: [Range<Int>] = []
        var i = 0
        while i < scalars.count {
            guard let (cue, requiresEnd) = chineseCues.first(where: { starts(scalars, at: i, with: $0.cue) }) else {
                i += 1
                continue
            }
            var start = i + cue.count
            while start < scalars.count, scalars[start] == " " || scalars[start] == "：" || scalars[start] == ":" {
                start += 1
            }
            if let length = nameLength(scalars, at: start, requiresEnd: requiresEnd) {
                out.append(offsets[start]..<offsets[start + length])
                i = start + length
            } else {
                i += cue.count
            }
        }
        return out
    }

    /// The length (2–4) of the name starting at `start`, or nil.
    static func nameLength(_ scalars: [Unicode.Scalar], at start: Int, requiresEnd: Bool) -> Int? {
        guard start < scalars.count, surnames.contains(scalars[start]),
            !notNames.contains(where: { starts(scalars, at: start, with: $0) })
        else { return nil }
        var run = 0
        while start + run < scalars.count, run < 5, isHan(scalars[start + run]) { run += 1 }
        for length in stride(from: min(4, run), through: 2, by: -1) {
            let after = start + length
            // `李先生` is a surname and a title, not a name; `张伟先生` stops before the title.
            if (start + 1..<after).contains(where: { i in titles.contains { starts(scalars, at: i, with: $0) } }) {
                continue
            }
            if after == scalars.count || !isHan(scalars[after]) {
                if requiresEnd && length > 3 { continue }
                return length
            }
            if titles.contains(where: { starts(scalars, at: after, with: $0) }) { return length }
            if !requiresEnd, length <= 3, nameEnds.contains(where: { starts(scalars, at: after, with: $0) }) {
                return length
            }
        }
        return nil
    }

    static func starts(_ scalars: [Unicode.Scalar], at i: Int, with word: [Unicode.Scalar]) -> Bool {
        i + word.count <= scalars.count && scalars[i..<i + word.count].elementsEqual(word)
    }
}
