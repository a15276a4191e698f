from __future__ import annotations


def sents(nlp, text):
    return [s.text.strip() for s in nlp(text).sents if s.text.strip()]


def test_written_punctuation_and_line_breaks(nlp):
    text = "Indication: HFrEF.\nProcedure: lead revision\n- the pocket was opened\nThe lead was checked. It was fine."
    out = sents(nlp, text)
    assert out == ["Indication: HFrEF.", "Procedure: lead revision", "- the pocket was opened",
                   "The lead was checked.", "It was fine."]


def test_numbered_list_number_is_not_a_sentence_end(nlp):
    out = sents(nlp, "2. Findings: pocket clean\n3. Plan: home today")
    assert out == ["2. Findings: pocket clean", "3. Plan: home today"]


def test_spoken_punctuation_breaks_sentences(nlp):
    text = ("the chest was draped in the usual sterile fashion period the left axillary vein was "
            "punctured full stop two leads were advanced new paragraph hemostasis was obtained")
    out = sents(nlp, text)
    assert len(out) == 4
    assert out[0].endswith("fashion period")
    assert out[1].startswith("the left axillary vein")
    assert out[3] == "hemostasis was obtained"


def test_period_as_a_word_is_not_a_break(nlp):
    text = "the atrial refractory period was set to 300 ms and a 2 hour period of observation followed"
    assert len(sents(nlp, text)) == 1


def test_long_unpunctuated_run_is_split(nlp):
    text = " ".join(["the sheath was advanced over the wire and the lead was passed to the septum"] * 6)
    doc = nlp(text)
    assert len(list(doc.sents)) > 1
    assert max(len(s) for s in doc.sents) <= 40
