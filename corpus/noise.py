"""Dictation noise: what transcription and speech recognition do to a clean note.

Noise rewrites each :class:`corpus.markup.Segment` separately, so the spans stay
attached to their (now noisy) words. Profiles:

- ``clean``: unchanged;
- ``transcribed``: a transcriptionist's slips: typos, dropped commas, doubled spaces;
- ``asr``: raw speech-recognition output: lower case, spoken punctuation
  ("period", "new paragraph") or none, misrecognised medical words
  ("sub clavian", "sefalic", "flora scopy"), spoken numbers and units.
"""

from __future__ import annotations

import random
import re

from corpus.markup import Segment, with_text

PROFILES = ("clean", "transcribed", "asr")

#: Misrecognitions seen in medical speech recognition: pattern -> alternatives.
ASR_CONFUSIONS: dict[str, list[str]] = {
    r"\bsubclavian\b": ["sub clavian", "subclavean", "sub-clavian"],
    r"\bcephalic\b": ["sefalic", "cephalick", "se phallic"],
    r"\baxillary\b": ["auxiliary", "axillory", "ax ilary"],
    r"\bfluoroscopy\b": ["flora scopy", "fluoro scopy", "floroscopy"],
    r"\bfluoroscopic\b": ["flora scopic", "floroscopic"],
    r"\bseptal\b": ["septel", "septa"],
    r"\bseptum\b": ["septim", "sep tum"],
    r"\bimpedance\b": ["impedence", "impedants"],
    r"\bIPG\b": ["i p g", "IP G", "ipg"],
    r"\bRV\b": ["r v", "are v", "RV"],
    r"\bRA\b": ["r a", "are a"],
    r"\bCCM\b": ["c c m", "CC M", "ccm"],
    r"\bICD\b": ["i c d", "I CD"],
    r"\bOPTIMIZER\b": ["optimiser", "opti miser", "optimizer"],
    r"\bOptimizer\b": ["optimiser", "opti miser"],
    r"\bgenerator\b": ["generater", "generator"],
    r"\bpectoral\b": ["pec toral", "pectorial"],
    r"\bprepectoral\b": ["pre pectoral", "pre-pectoral"],
    r"\bsubpectoral\b": ["sub pectoral"],
    r"\bvenogram\b": ["veno gram", "venagram"],
    r"\bTendril\b": ["ten drill", "tendril"],
    r"\bappendage\b": ["a pendage", "appendix"],
    r"\bventricular\b": ["ventricle er", "ventricular"],
    r"\batrial\b": ["a trial", "atrial"],
    r"\bcutdown\b": ["cut down"],
    r"\bmV\b": ["millivolts", "milli volts"],
    r"\bms\b": ["milliseconds"],
    r"\bohms?\b": ["ohms", "homes"],
    r"\blead\b": ["led", "lead", "lead"],
}
_CONFUSIONS = [(re.compile(p), alts) for p, alts in ASR_CONFUSIONS.items()]

_NUMBER_WORDS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five",
                 "6": "six", "7": "seven", "8": "eight", "9": "nine", "10": "ten", "12": "twelve"}
_SPOKEN = {".": [" period", ""], ",": [" comma", ""], ":": [" colon", ""], ";": [" semicolon", ""]}


def apply(segments: list[Segment], profile: str, rng: random.Random) -> list[Segment]:
    """Rewrite every segment with one noise profile."""
    if profile == "clean":
        return list(segments)
    if profile == "transcribed":
        return [with_text(s, _transcribed(s.text, rng, s.attrs is not None)) for s in segments]
    if profile == "asr":
        style = {
            "lower": rng.random() < 0.75,
            "spoken": rng.random() < 0.6,   # else punctuation mostly dropped
            "confusion": rng.uniform(0.25, 0.7),
        }
        return [with_text(s, _asr(s.text, rng, style, s.attrs is not None)) for s in segments]
    raise ValueError(f"unknown noise profile {profile!r}; expected one of {PROFILES}")


def _transcribed(text: str, rng: random.Random, in_span: bool) -> str:
    words = re.split(r"(\s+)", text)
    for i, word in enumerate(words):
        if len(word) > 5 and word.isalpha() and rng.random() < 0.015:
            j = rng.randrange(1, len(word) - 1)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    out = "".join(words)
    if not in_span:
        out = re.sub(r",(?= )", lambda m: "" if rng.random() < 0.3 else ",", out)
        out = re.sub(r"\. (?=[A-Z])", lambda m: ".  " if rng.random() < 0.1 else ". ", out)
    return out


def _asr(text: str, rng: random.Random, style: dict, in_span: bool) -> str:
    for pattern, alts in _CONFUSIONS:
        text = pattern.sub(lambda m: rng.choice(alts) if rng.random() < style["confusion"] else m.group(0),
                           text)
    text = re.sub(r"\b(\d+)\.(\d)\b", lambda m: _spoken_decimal(m, rng), text)
    if not in_span:
        text = re.sub(r"\n\s*\n+", lambda m: rng.choice([" new paragraph ", " ", " next paragraph "])
                      if style["spoken"] else " ", text)
        text = re.sub(r"\n", lambda m: rng.choice([" next line ", " ", " "]) if style["spoken"] else " ", text)
        text = re.sub(r"\s*[-*\u2022]\s+(?=\w)", " ", text)
        text = re.sub(r"[.,:;](?=\s|$)", lambda m: _spoken_punct(m.group(0), rng, style), text)
        text = re.sub(r"[()\"]", "", text)
        text = re.sub(r"[ \t]{2,}", " ", text)
    if style["lower"]:
        text = text.lower()
    return text


def _spoken_punct(mark: str, rng: random.Random, style: dict) -> str:
    if style["spoken"] and rng.random() < 0.8:
        return _SPOKEN[mark][0]
    return "" if rng.random() < 0.85 else mark


def _spoken_decimal(m: re.Match, rng: random.Random) -> str:
    whole, frac = m.group(1), m.group(2)
    if rng.random() < 0.5 and whole in _NUMBER_WORDS:
        return f"{_NUMBER_WORDS[whole]} point {_NUMBER_WORDS.get(frac, frac)}"
    return m.group(0)
