#!/usr/bin/env python3
"""Generates Samples/qa/masking.jsonl: a labelled masking test set (seeded, so reruns are identical).

Each line is {"text": ..., "spans": [{"kind": ..., "text": ...}], "note": ...}; look-alikes that must stay
readable have no spans. Usage: python3 scripts/masking-cases.py > Samples/qa/masking.jsonl
"""
import json
import random

rng = random.Random(20261202)
ZW = ["\u200b", "\u200c", "\u200d", "\ufeff"]
CN = "零一二三四五六七八九"
FULL = {str(d): chr(0xFF10 + d) for d in range(10)}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文浩宇婷雪梅晨阳"
FIRST = ["Anna", "John", "Maria", "David", "Linda", "Peter", "Grace", "Kevin", "Laura", "Oliver", "Sophie", "Daniel"]
LAST = ["Smith", "Brown", "Wilson", "Taylor", "Clarke", "Evans", "Walker", "Wright", "Turner", "Hughes"]
cases = []


def add(text, spans, note):
    cases.append({"text": text, "spans": [{"kind": k, "text": t} for k, t in spans], "note": note})


def mobile():
    return rng.choice(["13", "15", "17", "18", "19", "14", "16"]) + str(rng.randint(0, 9)) + "".join(
        str(rng.randint(0, 9)) for _ in range(8))


def id_check(first17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * x for c, x in zip(first17, w)) % 11]


def resident_id(valid=True):
    area = rng.choice(["110101", "310104", "440305", "510107", "330106", "420102", "370202", "610113"])
    birth = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = area + birth + f"{rng.randint(0, 999):03d}"
    check = id_check(first17)
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return first17 + check


def luhn_digit(body):
    total = 0
    for i, d in enumerate(reversed(body)):
        v = int(d)
        if i % 2 == 0:
            v *= 2
            v -= 9 if v > 9 else 0
        total += v
    return str((10 - total % 10) % 10)


def card(length=16, valid=True, prefix=None):
    prefix = prefix or rng.choice(["622202", "621700", "623058", "436742", "410062", "512345", "535918", "625965"])
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    d = luhn_digit(body)
    if not valid:
        d = str((int(d) + rng.randint(1, 9)) % 10)
    return body + d


def group(s, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return sep.join(x for x in out if x)


def zw(s):
    return "".join(c + (rng.choice(ZW) if i % 3 == 2 and i < len(s) - 1 else "") for i, c in enumerate(s))


def full(s):
    return "".join(FULL.get(c, c) for c in s)


def chinese(s, yao=False):
    return "".join(("幺" if yao and c == "1" else CN[int(c)]) for c in s)


def name_zh():
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def mobiles():
    forms = [
        ("plain", lambda m: (m, m)),
        ("spaced 3-4-4", lambda m: (group(m, [3, 4, 4], " "),) * 2),
        ("dashed", lambda m: (group(m, [3, 4, 4], "-"),) * 2),
        ("dotted", lambda m: (group(m, [3, 4, 4], "."),) * 2),
        ("zero-width", lambda m: (zw(m),) * 2),
        ("full-width", lambda m: (full(m),) * 2),
        ("+86", lambda m: ("+86 " + group(m, [3, 4, 4], "-"),) * 2),
        ("0086", lambda m: ("0086" + m,) * 2),
        ("+86 glued", lambda m: ("+86" + m,) * 2),
        ("chinese numerals", lambda m: (chinese(m),) * 2),
        ("chinese numerals with 幺", lambda m: (chinese(m, yao=True),) * 2),
        ("digit by digit", lambda m: (" ".join(m),) * 2),
    ]
    frames = [
        ("我的手机是{}，麻烦回电", "zh"), ("电话{}。", "zh"), ("tel{}", "glued"), ("Tel:{}", "en"),
        ("call me at {} please", "en"), ("联系方式：{}", "zh"), ("换个号码{}吧", "zh"), ("my number is {}.", "en"),
        ("手机号码 {} 就是这个", "zh"), ("TEL{}", "glued"),
    ]
    for note, form in forms:
        for _ in range(7):
            text, span = form(mobile())
            frame, _ = rng.choice(frames)
            add(frame.format(text), [("mobile", span)], "mobile " + note)


def ids():
    forms = [
        ("plain", lambda i: i), ("spaced 6-8-4", lambda i: group(i, [6, 8, 4], " ")),
        ("dashed", lambda i: group(i, [6, 4, 4, 4], "-")), ("full-width", full), ("zero-width", zw),
        ("lower-case x", lambda i: i.lower()),
    ]
    frames = ["身份证号{}", "我的身份证是{}，请核对", "IDcard{}", "ID card: {}", "证件号码：{}。", "身份证 {} 没错",
              "id no.{}", "本人身份证{}已上传"]
    for note, form in forms:
        for _ in range(8):
            i = resident_id()
            while note == "lower-case x" and not i.endswith("X"):
                i = resident_id()
            text = form(i)
            add(rng.choice(frames).format(text), [("resident-id", text)], "resident-id " + note)
    for _ in range(6):
        legacy = rng.choice(["110105", "310104", "440305"]) + f"{rng.randint(50, 89)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        add(f"老身份证号：{legacy}", [("resident-id", legacy)], "resident-id 15-digit legacy")


def cards():
    forms = [
        ("16 plain", lambda: card(16)), ("19-digit debit", lambda: card(19)),
        ("spaced 4-4-4-4", lambda: group(card(16), [4, 4, 4, 4], " ")),
        ("19 spaced", lambda: group(card(19), [4, 4, 4, 4], " ")), ("dashed", lambda: group(card(16), [4, 4, 4, 4], "-")),
        ("full-width", lambda: full(card(16))), ("zero-width", lambda: zw(card(19))),
        ("visa 16", lambda: card(16, prefix="4")), ("master 16", lambda: card(16, prefix="5")),
    ]
    frames = [
        "卡号{}", "银行卡是{}。", "No.{}", "card No. {}", "请把钱退到我的卡{}上", "退款请退到{}这张卡",
        "refund to my card {} please", "Please refund the order to card {}.", "借记卡{}，谢谢", "card{}",
        "我绑定的是{}。", "订单退款到卡号{}", "account {} is mine",
    ]
    for note, form in forms:
        for _ in range(9):
            text = form()
            add(rng.choice(frames).format(text), [("bank-card", text)], "bank-card " + note)


def emails():
    users = ["zhang.wei", "anna_smith", "li.hong88", "kevin+cs", "wangfang", "john.doe"]
    domains = ["example.com", "qq.com", "163.com", "example.com.cn", "mail.example.org"]
    for _ in range(12):
        u, d = rng.choice(users), rng.choice(domains)
        e = f"{u}@{d}"
        add(rng.choice(["邮箱{}", "mail me at {}.", "我的邮箱是 {} 谢谢"]).format(e), [("email", e)], "email plain")
    for _ in range(12):
        u, d = rng.choice(users), rng.choice(domains)
        e = f"{u}＠{d}"
        add(rng.choice(["邮箱：{}", "email {}", "发到{}吧"]).format(e), [("email", e)], "email full-width ＠")


def names():
    for _ in range(12):
        n = name_zh()
        add(rng.choice(["我叫{}，想问一下退款", "您好，我叫{}。", "我叫{}"]).format(n), [("name", n)], "name 我叫")
    for _ in range(8):
        n = name_zh()
        add(rng.choice(["本人{}，身份证丢了", "本人{}的订单"]).format(n), [("name", n)], "name 本人")
    for _ in range(8):
        n = name_zh()
        add(rng.choice(["我是{}先生", "你好我是{}女士", "我是{}。"]).format(n), [("name", n)], "name 我是")
    for _ in range(10):
        n = rng.choice(FIRST) + ("" if rng.random() < 0.3 else " " + rng.choice(LAST))
        add(rng.choice(["Hi, my name is {} and I need help", "My name is {}.", "Hello, this is {} speaking"]).format(n),
            [("name", n)], "name en")


def look_alikes():
    for _ in range(12):
        add(f"运单号：SF{rng.randint(10**11, 10**13 - 1)}", [], "tracking SF")
        add(f"快递单号 YT{rng.randint(10**12, 10**13 - 1)} 已签收", [], "tracking YT")
    for _ in range(12):
        add(f"订单号{card(16)}已发货", [], "order number passing Luhn")
        add(f"您的订单 2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(10**9, 10**10 - 1)} 已受理", [], "order 18 digits")
        add(f"order {card(16, prefix='5')} shipped", [], "order en")
        add(f"tracking number {card(16)}", [], "tracking en")
    for _ in range(10):
        add(f"金额 {card(16, prefix='4')} 元", [], "amount")
        add(f"合计 {rng.randint(10, 99999)}.{rng.randint(0, 99):02d} 元，优惠 {rng.randint(1, 200)}.00", [], "amount decimals")
        add(f"退款 ¥{card(16)}", [], "amount ¥")
    for _ in range(10):
        add(f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} 下单", [], "date time")
        add(f"{rng.randint(2020, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日到货", [], "date zh")
        add(f"工单 2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100000, 999999)}", [], "ticket")
    for hotline in ["95588", "95555", "95533", "400-820-8820", "400 123 4567", "4008208820", "800-810-8888",
                    "010-12345678", "021 6888 8888", "0755-86013388", "12315", "10086"]:
        add(f"客服热线{hotline}，随时致电", [], "hotline")
        add(f"please call our hotline {hotline}.", [], "hotline en")
    for _ in range(12):
        add(f"身份证{resident_id(valid=False)}", [], "resident-id wrong check digit")
        add(f"卡号{card(16, valid=False)}", [], "card wrong Luhn")
        add(f"号码 12{rng.randint(10**8, 10**9 - 1)}", [], "12x is not a mobile prefix")
        add(f"编号{rng.randint(10**9, 10**10 - 1)}", [], "10-digit number")
    for text in ["版本 3.14159265358979323", "一二三四五六七八九十", "三天后到货，第一二三批", "我是新客户", "我是想问一下",
                 "本人不同意", "我叫不出名字", "this is about my order", "my name is on the account", "This is great",
                 "我是高端会员", "我是老用户了", "本人马上到", "IP 192.168.100.200", "价格 1,299,000.00 元",
                 "我是江苏人", "坐标 31.2304167, 121.4737", "温度 36.5 度", "序列号 ABCD-1234-EFGH-5678",
                 "第12345678901页", "邮件主题 @all 请注意"]:
        add(text, [], "look-alike")


def compatibility_forms():
    """Digits in compatibility forms that NFKC folds (circled, mathematical bold, superscript), and look-alikes."""
    forms = {
        "circled": {str(d): chr(0x2460 + d - 1) if d else "⓪" for d in range(10)},
        "mathematical": {str(d): chr(0x1D7CE + d) for d in range(10)},
        "superscript": dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
    }
    for name, table in forms.items():
        for template in ["我的手机是{}，谢谢", "call me on {} please"]:
            number = "".join(table[c] for c in mobile())
            add(template.format(number), [("mobile", number)], f"mobile in {name} digits (NFKC)")
    for name in ["circled", "mathematical"]:
        table = forms[name]
        number = "".join(table[c] for c in card(16))
        add(f"退款到卡号{number}", [("bank-card", number)], f"bank card in {name} digits (NFKC)")
        number = "".join(table.get(c, c) for c in resident_id())
        add(f"身份证{number}", [("resident-id", number)], f"resident id in {name} digits (NFKC)")
    for text in ["请到①号窗口办理，③号柜台取件", "第Ⅻ章 café résumé ﬁle", "快递单号SF①②③④⑤⑥⑦⑧⑨⓪①②",
                 "金额 ¹²³.⁴⁵ 元，编号 ⑴⑵⑶"]:
        add(text, [], "look-alike: compatibility forms that are not personal data")


mobiles()
ids()
cards()
emails()
names()
look_alikes()
compatibility_forms()
for c in cases:
    print(json.dumps(c, ensure_ascii=False))
