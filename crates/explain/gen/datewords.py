#!/usr/bin/env python3
"""Writes crates/explain/src/datewords.rs: the month, weekday and AM/PM words of many languages,
as glibc's locale sources define them (LC_TIME: mon, abmon, alt_mon, ab_alt_mon, day, abday,
am_pm, and the literal words of the date formats), so the explainer can tell a date printed in another language from a real change.

Run on Debian with the locales package installed (the sources are /usr/share/i18n/locales):

    python3 crates/explain/gen/datewords.py > crates/explain/src/datewords.rs

Words are lower-cased and split at what is not a letter ("janv." gives "janv", "1月" gives
"月"). Latin words of one letter are left out; the explainer takes one of two letters only beside a
longer date word of the same language.
"""
import re
import sys

LOCALES = [
    "en_US", "fr_FR", "de_DE", "es_ES", "it_IT", "pt_PT", "pt_BR", "nl_NL", "pl_PL", "sv_SE",
    "da_DK", "nb_NO", "nn_NO", "fi_FI", "is_IS", "et_EE", "lv_LV", "lt_LT", "cs_CZ", "sk_SK",
    "sl_SI", "hr_HR", "sr_RS", "bs_BA", "hu_HU", "ro_RO", "bg_BG", "mk_MK", "ru_RU", "uk_UA",
    "be_BY", "el_GR", "tr_TR", "ca_ES", "gl_ES", "eu_ES", "ga_IE", "cy_GB", "af_ZA", "sq_AL",
    "id_ID", "ms_MY", "vi_VN", "ja_JP", "zh_CN", "zh_TW", "ko_KR", "he_IL", "ar_SA", "fa_IR",
    "hi_IN", "th_TH", "ka_GE", "hy_AM", "kk_KZ", "az_AZ", "uz_UZ", "eo", "sw_KE",
    "fil_PH", "mt_MT", "lb_LU", "fy_NL", "br_FR", "oc_FR",
]
FIELDS = ("mon", "abmon", "alt_mon", "ab_alt_mon", "day", "abday", "am_pm")
# Formats: their literal words ("年", "Uhr"), with the conversions taken out.
FORMATS = ("d_t_fmt", "d_fmt", "t_fmt", "t_fmt_ampm", "date_fmt")
ROOT = "/usr/share/i18n/locales/"


def section(name):
    """The LC_TIME section of a locale source, following `copy`."""
    try:
        text = open(ROOT + name, encoding="utf-8", errors="replace").read()
    except FileNotFoundError:
        return None
    m = re.search(r"^LC_TIME\s*$(.*?)^END LC_TIME", text, re.S | re.M)
    if not m:
        return None
    body = m.group(1)
    c = re.search(r'^\s*copy\s+"([^"]+)"', body, re.M)
    if c and not re.search(r"^\s*mon\s", body, re.M):
        return section(c.group(1))
    return body


def unescape(s):
    return re.sub(r"<U([0-9A-Fa-f]{4,6})>", lambda m: chr(int(m.group(1), 16)), s)


def words(body):
    # Join continuation lines ("/" at the end of a line).
    body = re.sub(r"/\s*\n", "", body)
    out = []
    for line in body.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0] in FIELDS + FORMATS:
            for value in re.findall(r'"([^"]*)"', parts[1]):
                value = unescape(value)
                if parts[0] in FORMATS:
                    value = re.sub(r"%[-_0^#]?[0-9]*[EO]?[A-Za-z%+]", " ", value)
                for w in re.findall(r"[^\W\d_]+", value.lower()):
                    if len(w) < 2 and all(ord(ch) < 0x0370 for ch in w):
                        continue
                    out.append(w)
    return out


def main():
    langs = {}
    for loc in LOCALES:
        body = section(loc)
        if body is None:
            print(f"datewords.py: no LC_TIME for {loc}", file=sys.stderr)
            continue
        lang = loc.split("_")[0]
        seen = langs.setdefault(lang, [])
        for w in words(body):
            if w not in seen:
                seen.append(w)
    print("//! Month, weekday and AM/PM words by language, from glibc's locale sources (LC_TIME);")
    print("//! written by crates/explain/gen/datewords.py, do not edit.")
    print()
    print("#[rustfmt::skip]")
    print("pub const DATE_WORDS: &[(&str, &[&str])] = &[")
    for lang, ws in langs.items():
        print(f'    ("{lang}", &[{", ".join(chr(34) + w + chr(34) for w in ws)}]),')
    print("];")


main()
