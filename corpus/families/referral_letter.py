"""Letter from the implanting electrophysiologist to the referring cardiologist or GP.

"Dear Dr ...", "Re:" line, an optional diagnosis/procedure/plan block, "Thank you
for referring ..." / "I am writing to let you know ...", the history, then what
was done today in plain prose ("Today we ..."), the settings and the follow-up,
closed with "Kind regards" and a cc list. Clinic reviews, consultations and
non-device "CCM" letters use the same letterhead and voice.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from corpus.facts import Lead, NoteFacts
from corpus.families import Family


def _m(text: str, label: str, action: str | None = None, *flags: str, n: int | None = None) -> str:
    extra = list(flags) + ([f"count={n}"] if n and n > 1 else [])
    if flags:
        action = "none"
    if extra:
        return f"[{text}]({label}|{action or 'none'}|{','.join(extra)})"
    if action:
        return f"[{text}]({label}|{action})"
    return f"[{text}]({label})"


def _a(markup: str) -> str:
    plain = re.sub(r"\[([^\[\]\n]+)\]\([^)]*\)", r"\1", markup)
    first = plain.split()[0] if plain.split() else ""
    vowel = first[:1].lower() in "aeio" or first in ("ICD", "S-ICD")
    return ("an " if vowel else "a ") + markup


def _c(rng: random.Random, *opts):
    return rng.choice(opts)


def _cap(text: str) -> str:
    if text.startswith("["):
        return "[" + text[1:2].upper() + text[2:]
    return text[:1].upper() + text[1:]


def _act(fate: str) -> str:
    return "retained" if fate == "untouched" else fate


def _model(model: str) -> str:
    return model.split(" (")[0]


_TX = "patient request after heart transplant listing"
_INF = {"pocket infection": "a pocket infection", "device erosion": "erosion of the device through the skin",
        "bacteremia": "bacteraemia"}
_NUM = {1: "one", 2: "two", 3: "three"}


class _P:
    """Pronouns for the patient."""

    def __init__(self, f: NoteFacts, rng: random.Random):
        male = f.sex == "male"
        self.he, self.his, self.him = ("he", "his", "him") if male else ("she", "her", "her")
        self.He, self.His = self.he.capitalize(), self.his.capitalize()
        surname = rng.choice(["Whitaker", "Okonkwo", "Fernandes", "Kowalski", "Brennan", "Haddad", "Lindqvist",
                              "Moreau", "Tanaka", "Gallagher", "Novak", "Singh"])
        self.name = ("Mr " if male else rng.choice(["Mrs ", "Ms "])) + surname


# ------------------------------------------------------------------ component phrases
def _lead(lead: Lead, rng: random.Random, action: str, pre: str = "", *flags: str) -> str:
    ch = lead.channel
    if lead.chamber == "atrial":
        text, label = _c(rng, "atrial lead", "right atrial sensing lead", "atrial electrode", "RA lead"), "ATRIAL_LEAD"
    elif ch in ("lead 1", "lead 2"):
        text, label = _c(rng, (ch, "LEAD"), (f"septal {ch}", "VENTRICULAR_LEAD"), (f"ventricular {ch}", "VENTRICULAR_LEAD"))
    elif ch in ("V1", "V2"):
        text, label = _c(rng, f"{ch} electrode", f"{ch} lead", f"{ch} septal electrode"), "VENTRICULAR_LEAD"
    elif ch == "LS":
        text, label = _c(rng, "LS electrode", "LS lead", "LS septal lead"), "VENTRICULAR_LEAD"
    else:
        text, label = _c(rng, "RV electrode", "RV lead", "right ventricular septal electrode"), "VENTRICULAR_LEAD"
    if pre:
        text = f"{pre} {text}"
    return _m(text, label, action, *flags)


def _pos(lead: Lead, rng: random.Random) -> str:
    p = lead.position
    if lead.chamber == "ventricular" and rng.random() < 0.3:
        p = f"{p} of the right ventricle"
    return _m(p, "LEAD_POSITION")


def _meas(lead: Lead, rng: random.Random) -> str:
    w = "P wave" if lead.chamber == "atrial" else "R wave"
    return _c(rng, f"{w} {lead.sensing_mv} mV, impedance {lead.impedance_ohm} ohms",
              f"{'a' if lead.chamber == 'atrial' else 'an'} {w} of {lead.sensing_mv} mV and an impedance of {lead.impedance_ohm} ohms",
              f"sensing {lead.sensing_mv} mV, impedance {lead.impedance_ohm} ohms, threshold {lead.threshold_v} V")


def _gen(rng: random.Random, action: str, model: str | None = None, pre: str = "", *flags: str) -> str:
    opts = ["generator", "pulse generator", "CCM generator", "device generator"]
    if model:
        opts += [f"{_model(model)} generator", f"{_model(model)} pulse generator"]
    text = rng.choice(opts)
    if pre:
        text = f"{pre} {text}"
    return _m(text, "PULSE_GENERATOR", action, *flags)


def _sys(rng: random.Random, action: str, model: str | None = None, *flags: str) -> str:
    opts = ["cardiac contractility modulation device", "CCM device", "cardiac contractility modulation (CCM) system",
            "CCM system"]
    if model:
        opts += [f"{_model(model)} device", _model(model), f"{_model(model)} CCM system"]
    return _m(rng.choice(opts), "CCM_SYSTEM", action, *flags)


def _icd(f: NoteFacts, rng: random.Random, action: str, *flags: str) -> str:
    d = f.other_devices[0]
    return _m(_c(rng, d.kind, f"{d.maker} {d.kind}", "defibrillator" if "ICD" in d.kind else d.kind),
              "OTHER_DEVICE", action, *flags)


def _has_icd(f: NoteFacts) -> bool:
    return bool(f.other_devices) and f.other_devices[0].fate in ("untouched", "retained")


def _access(f: NoteFacts, rng: random.Random) -> str:
    s = f.side
    if f.access == "cephalic":
        return _c(rng, f"the {_m(f'{s} cephalic vein', 'VENOUS_ACCESS')}, exposed by a small cutdown",
                  f"a {_m(f'{s} cephalic vein cutdown', 'VENOUS_ACCESS')}")
    if f.access == "subclavian":
        return f"the {_m(f'{s} subclavian vein', 'VENOUS_ACCESS')}"
    return _c(rng, f"the {_m(f'{s} axillary vein', 'VENOUS_ACCESS')}",
              f"an {_m('extrathoracic axillary vein puncture', 'VENOUS_ACCESS')} on the {s}")


def _pocket(f: NoteFacts, rng: random.Random) -> str:
    return _m(_c(rng, f"{f.side} {f.pocket} pocket", f"{f.pocket} pocket", f"pocket below the {f.side} collarbone"), "POCKET")


def _xray(rng: random.Random) -> str:
    return _m(_c(rng, "X-ray guidance", "fluoroscopy", "fluoroscopic guidance"), "IMAGING")


# ------------------------------------------------------------------ classification
def _kind(f: NoteFacts) -> str:
    if f.device_family == "ccm_d":
        return "ccmd"
    if f.device_family == "other":
        return "other"
    if f.device_family == "none":
        return "none"
    if f.stopped_early:
        return "partial" if f.leads_with("inserted") or f.new_generator else "aborted"
    if not f.generators and not f.leads:
        return "consult"
    gf = {g.fate for g in f.generators}
    if any(o.work != "none" and o.fate in ("inserted", "removed") for o in f.other_devices):
        return "otherwork"
    if f.evaluation != "none" and gf <= {"untouched"}:
        return "clinic"
    nl = f.leads_with("inserted")
    if "inserted" in gf:
        if "removed" in gf:
            if nl:
                return "genchange_lead" if f.leads_with("retained") else "sysreplace"
            return "genchange"
        return "newsys" if nl else "staged"
    if "removed" in gf:
        return "explant"
    if "repositioned" in gf:
        return "pocket"
    if f.leads_with("repositioned"):
        return "reposition"
    return "leadwork"


# ------------------------------------------------------------------ letter pieces
_EPS = ["Dr Catherine Ellison", "Dr Rahul Menon", "Dr Ingrid Solberg", "Dr Femi Adeyemi", "Dr Thomas Hale"]
_REFS = ["Dr Patel", "Dr O'Connor", "Dr Nakamura", "Dr Haddad", "Dr Fitzgerald", "Dr Jansen"]
_REASON = {"elective replacement indicator": "had reached its elective replacement indicator",
           "battery depletion": "was approaching battery depletion", "end of service": "had reached end of service",
           "generator malfunction": "was no longer functioning reliably",
           "recall advisory": "was affected by a manufacturer advisory"}


def _head(f: NoteFacts, p: _P, rng: random.Random, ref: str, service: str) -> list[str]:
    date = (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700))).strftime(rng.choice(["%d %B %Y", "%d/%m/%Y"]))
    out = [service, date, ""]
    if rng.random() < 0.6:
        out += [ref, _c(rng, "Consultant Cardiologist", "General Practitioner", "Heart Failure Service"), ""]
    out += [f"Dear {ref},", "", f"Re: {p.name}, age {f.age}", ""]
    return out


def _close(rng: random.Random, ep: str, title: str) -> list[str]:
    return ["", _c(rng, "Kind regards,", "With kind regards,", "Yours sincerely,", "With best wishes,"), "", ep, title,
            "", _c(rng, "cc: General Practitioner; patient", "cc: Heart Failure Nurse Specialist", "cc: patient")]


def _history(f: NoteFacts, kind: str, p: _P, rng: random.Random) -> str:
    og = f.old_generator
    ny = "class IV (ambulatory)" if f.nyha == "ambulatory IV" else f"class {f.nyha}"
    s = [_c(rng, f"As you know, {p.he} has {f.cardiomyopathy} with an ejection fraction of {f.ef}% and remains in NYHA {ny} despite optimised medical therapy.",
            f"{p.He} has {f.cardiomyopathy}, ejection fraction {f.ef}%, with NYHA {ny} symptoms on optimal medical therapy and a QRS duration of {f.qrs_ms} ms.")]
    if f.other_devices and f.other_devices[0].fate in ("untouched", "retained") and f.device_family != "other":
        s.append(_c(rng, f"{p.He} already has {_a(_icd(f, rng, 'none'))} in place.",
                    f"{p.His} {_icd(f, rng, '', 'historical')} was implanted some years ago for primary prevention."))
    if og and kind == "reposition" and f.original_implant_year is None:
        s.append(f"We implanted {p.his} {_sys(rng, '', og.model, 'historical')} a few weeks ago.")
    elif og and og.implant_year and kind != "staged":
        s.append(f"{p.His} {_sys(rng, '', og.model, 'historical')} was implanted in {og.implant_year}.")
    if kind == "staged":
        r = f.new_generator.reason or ""
        lh = _m("two septal leads", "VENTRICULAR_LEAD", "", "historical", n=2)
        if "infection" in r:
            s.append(f"{p.His} {_m('original generator', 'PULSE_GENERATOR', '', 'historical')} was removed because of a pocket infection, leaving {lh} in place, and {p.he} has now completed antibiotics.")
        elif "maturation" in r:
            s.append(f"At the first stage we implanted {lh} and capped them, planning to return for the generator once they had matured."
                     .replace("the generator", "the " + _m("generator", "PULSE_GENERATOR", "", "historical")))
        else:
            s.append(f"At the original procedure we placed {lh}, but {_m('no generator', 'PULSE_GENERATOR', '', 'negated')} was available on the day.")
    if kind in ("genchange", "genchange_lead", "sysreplace") and og and og.reason in _REASON:
        s.append(f"At {p.his} last check the {_gen(rng, 'none')} {_REASON[og.reason]}.")
    if kind == "reposition":
        s.append(f"Unfortunately the follow-up X-ray and device check showed that one of the {_m('leads', 'LEAD', 'none')} had moved, with loss of sensing.")
    if kind == "leadwork":
        if f.leads_with("abandoned", "removed"):
            s.append(f"At {p.his} recent check one {_m('lead', 'LEAD', 'none')} showed rising impedance and intermittent loss of sensing.")
        else:
            s.append(f"We felt {p.he} would benefit from an {_m('added atrial lead', 'ATRIAL_LEAD', '', 'hypothetical')} to improve therapy delivery.")
    if kind == "pocket":
        s.append(f"{p.He} had developed discomfort over the {_gen(rng, 'none')}, which had migrated within the {_m('pocket', 'POCKET')}.")
    if kind == "explant" and og and og.reason == _TX:
        s.append(f"Now that {p.he} is listed for heart transplantation, {p.he} asked us to remove the {_sys(rng, 'none')}.")
    elif kind == "explant" and og:
        s.append(f"Regrettably {p.he} developed {_INF.get(og.reason or '', 'an infection')} involving the {_sys(rng, 'none')}.")
    return " ".join(s)


def _today(f: NoteFacts, kind: str, p: _P, rng: random.Random) -> list[str]:
    """Paragraphs describing today's procedure."""
    og, ng = f.old_generator, f.new_generator
    new = f.leads_with("inserted")
    a: list[str] = []
    access_said = False
    a.append(_c(rng, f"The procedure was carried out under {f.sedation} with local anaesthetic.",
                f"{p.He} had {f.sedation} and local anaesthetic."))
    if kind == "aborted":
        return [" ".join(a + _abort(f, p, rng))]
    if og and og.fate in ("removed", "retained", "repositioned"):
        a.append(_c(rng, f"Today we reopened the {_pocket(f, rng)} and freed the {_gen(rng, _act(og.fate), og.model, 'existing')}.",
                    f"Today we opened the existing {_m('pocket', 'POCKET')} through the old scar and lifted out the {_gen(rng, _act(og.fate))}."))
    elif kind == "staged":
        a.append(f"Today we reopened the {_pocket(f, rng)} and retrieved the {_m('capped leads', 'LEAD', 'retained')}.")
    else:
        a.append(_c(rng, f"Today we made a {_pocket(f, rng)} through a small incision",
                    f"Today we created a {_pocket(f, rng)}") + (
            f" and reached the heart through {_access(f, rng)}" if new else "") + ".")
        access_said = bool(new)
    if new and not access_said:
        a.append(f"The {_m('new lead' if len(new) == 1 else 'new leads', 'LEAD', 'inserted', n=len(new) if len(new) > 1 else None)} went in through {_access(f, rng)} under {_xray(rng)}"
                 + (f" after a {_m('venogram', 'IMAGING')}" if f.venogram else "") + ".")
    elif new and f.venogram:
        a.append(f"A {_m('venogram', 'IMAGING')} was used to outline the vein.")
    para1 = " ".join(a)
    b: list[str] = []
    for ld in f.leads_with("removed"):
        b.append(_c(rng, f"We removed the {_lead(ld, rng, 'removed', 'old')} completely, using a locking stylet.",
                    f"The {_lead(ld, rng, 'removed', 'faulty')} came out intact with gentle traction."))
    for ld in f.leads_with("abandoned"):
        b.append(_c(rng, f"Rather than extract the {_lead(ld, rng, 'abandoned', 'old')}, we capped it and left it in the {_m('pocket', 'POCKET')}.",
                    f"The {_lead(ld, rng, 'abandoned', 'faulty')} was capped and abandoned, which is the safer option."))
    for ld in f.leads_with("repositioned"):
        b.append(f"We moved the {_lead(ld, rng, 'repositioned', 'displaced')} back to the {_pos(ld, rng)}, where it now gives {_meas(ld, rng)}.")
    nv = f.leads_with("inserted", chamber="ventricular")
    if len(nv) == 2:
        x, y = nv
        b.append(_c(rng, f"We placed {_m('two septal leads', 'VENTRICULAR_LEAD', 'inserted', n=2)} in the right ventricle: the {_lead(x, rng, 'inserted')} at the {_pos(x, rng)} ({_meas(x, rng)}) and the {_lead(y, rng, 'inserted')} at the {_pos(y, rng)} ({_meas(y, rng)}).",
                    f"The {_lead(x, rng, 'inserted')} was screwed into the {_pos(x, rng)} and the {_lead(y, rng, 'inserted')} into the {_pos(y, rng)}, well separated on the septum; measurements were {_meas(x, rng)} and {_meas(y, rng)} respectively."))
    elif nv:
        x = nv[0]
        b.append(f"We placed a {_lead(x, rng, 'inserted', 'new')} at the {_pos(x, rng)}, with {_meas(x, rng)}.")
    for x in f.leads_with("inserted", chamber="atrial"):
        b.append(_c(rng, f"We also placed an {_lead(x, rng, 'inserted')} in the {_pos(x, rng)} ({_meas(x, rng)}).",
                    f"A {_lead(x, rng, 'inserted', 'new')} was fixed in the {_pos(x, rng)}, with {_meas(x, rng)}."))
    if kind in ("genchange", "genchange_lead", "staged", "leadwork", "reposition"):
        kept = f.leads_with("retained")
        if kept:
            b.append("The " + " and the ".join(f"{_lead(x, rng, 'retained', 'existing')} ({_meas(x, rng)})" for x in kept)
                     + (" are working well and were left in place." if len(kept) > 1 else " is working well and was left in place."))
    if kind == "partial":
        b += _partial(f, p, rng)
    if og and og.fate == "removed":
        b.append(_c(rng, f"We removed the {_gen(rng, 'removed', og.model, 'old')}.", f"The {_gen(rng, 'removed', None, 'old')} was taken out."))
    if og and og.fate == "repositioned":
        dest = f.new_pocket or "new pocket"
        core = dest.replace(" more medially", "").replace(" inferior to the old one", "")
        b.append(f"We made a {_m(core, 'POCKET')}{dest[len(core):]} and moved the {_gen(rng, 'repositioned', og.model)} into it, closing the {_m('old pocket', 'POCKET')}; the {_m('leads', 'LEAD', 'retained')} did not need to be touched.")
    if og and og.fate == "retained":
        b.append(f"The {_gen(rng, 'retained', og.model, 'existing')} was then reconnected and returned to the {_m('pocket', 'POCKET')}.")
    if ng:
        g = (_m(_c(rng, "OPTIMIZER Integra generator", "CCM-D generator"), "PULSE_GENERATOR", "inserted") if kind == "ccmd"
             else _gen(rng, "inserted", ng.model, "new"))
        b.append(_c(rng, f"The {g} was connected and placed in the {_m('pocket', 'POCKET')}.",
                    f"We then connected the {g} and closed the wound in layers."))
    if kind == "explant" and og.reason == _TX:
        b.append(f"The {_m('pocket', 'POCKET')} was washed out and closed.")
    elif kind == "explant":
        b.append(f"The {_m('pocket', 'POCKET')} was cleaned out thoroughly and samples were sent for culture.")
    if _has_icd(f):
        b.append(_c(rng, f"We checked {p.his} {_icd(f, rng, 'retained')} before and after, and there was no interaction between the two devices.",
                    f"{p.His} {_icd(f, rng, 'retained')} was left untouched and was working normally at the end."))
    tail = _c(rng, f"There were no complications; {_m('fluoroscopy', 'IMAGING')} time was {f.fluoro_min} minutes.",
              f"It all went smoothly ({_m('fluoroscopy', 'IMAGING')} {f.fluoro_min} min).")
    if f.stop_reason:
        tail = f"{_cap(_m('Fluoroscopy', 'IMAGING'))} time was {f.fluoro_min} minutes."
    b.append(tail)
    return [para1, " ".join(b)]


def _partial(f: NoteFacts, p: _P, rng: random.Random) -> list[str]:
    r = f.stop_reason or ""
    n = len(f.leads_with("inserted"))
    lt = _m("leads" if n > 1 else "lead", "LEAD", "inserted", n=n if n > 1 else None)
    if "telemetry" in r:
        why = f"the {_m('new generator', 'PULSE_GENERATOR', 'none')} would not communicate with the programmer when we opened it, and no spare was available"
    elif "hemodynamic" in r:
        why = f"{p.his} blood pressure became unstable after the {_m('leads', 'LEAD', 'inserted')} were placed"
    else:
        why = f"a {_m('pocket', 'POCKET')} haematoma began to form"
    out = [f"Unfortunately we had to stop before the end because {why}.",
           f"The {lt} {'have' if n > 1 else 'has'} been capped and left in the {_m('pocket', 'POCKET')}, so {_m('no generator', 'PULSE_GENERATOR', '', 'negated')} was implanted today."]
    if n == 1:
        out.append(f"We did not place the {_m('second septal lead', 'VENTRICULAR_LEAD', '', 'negated')}.")
    return out


def _abort(f: NoteFacts, p: _P, rng: random.Random) -> list[str]:
    r = f.stop_reason or ""
    if "venogram" in r:
        x = f"Unfortunately the {_m('venogram', 'IMAGING')} showed that the {f.side} subclavian vein was blocked, with no route for the leads, so we stopped."
        x = x.replace("the leads", "the " + _m("leads", "LEAD", "", "hypothetical"))
    elif "hypotension" in r:
        x = f"Unfortunately {p.his} blood pressure fell and stayed low after sedation despite fluids and medication, so we stopped before making an incision."
    elif "agitation" in r:
        x = f"Unfortunately {p.he} became very distressed despite sedation and we felt it unsafe to continue."
    elif "pneumothorax" in r:
        x = f"Unfortunately the first needle pass into the {_m(f'{f.side} subclavian vein', 'VENOUS_ACCESS')} caused a small pneumothorax, seen on {_m('fluoroscopy', 'IMAGING')}, and we stopped."
    else:
        x = f"We had to stop because of {r}."
    return [x, f"{_cap(_m('No leads', 'LEAD', '', 'negated'))} or {_m('generator', 'PULSE_GENERATOR', '', 'negated')} were implanted."]


def _settings(f: NoteFacts, kind: str, p: _P, rng: random.Random) -> str:
    st = f.settings
    if not st or kind in ("explant", "partial", "aborted"):
        return ""
    return _c(rng, f"The device is programmed to deliver therapy at {st.amplitude_v} V with a train delay of {st.train_delay_ms} ms for {st.hours_per_day} hours a day, and {p.he} felt nothing during testing.",
              f"Settings: {st.amplitude_v} V, train delay {st.train_delay_ms} ms, {st.hours_per_day} hours per day, with no diaphragmatic stimulation.") + (
        f" {p.He} has been shown how to use the {st.charger} to recharge it weekly." if kind in ("newsys", "staged", "genchange", "genchange_lead", "sysreplace", "ccmd") else "")


def _plan(f: NoteFacts, kind: str, p: _P, rng: random.Random) -> str:
    s = []
    if kind == "aborted":
        s.append(f"We will discuss a further attempt at the {_sys(rng, '', None, 'hypothetical')}, possibly from the other side, once {p.he} has recovered.")
    elif kind == "partial":
        s.append(f"We will bring {p.him} back in the next week or two to implant the {_m('generator', 'PULSE_GENERATOR', '', 'hypothetical')}.")
    elif kind == "explant" and f.old_generator.reason == _TX:
        s.append(f"There are no plans to re-implant; {p.he} remains under the transplant team.")
    elif kind == "explant":
        s.append(f"{p.He} will complete intravenous antibiotics under the infection team, and we will consider a new {_sys(rng, '', None, 'hypothetical')} only once the infection has cleared.")
    if kind == "aborted":
        s.append("We will be in touch with a new date.")
        return " ".join(s)
    s.append(_c(rng, f"{p.He} will be seen for a wound check in 7-10 days and in our device clinic in three months.",
                f"We will see {p.him} in the device clinic in 6-8 weeks; wound check with the practice nurse in a week would be appreciated."))
    s.append(_c(rng, f"{p.He} should avoid lifting the {f.side} arm above shoulder height for four weeks.",
                "Please continue the current heart failure medication unchanged.",
                f"I have asked {p.him} to keep the wound dry for five days."))
    return " ".join(s)


def _block(f: NoteFacts, kind: str, proc: str, rng: random.Random) -> list[str]:
    """Optional summary block at the top of the letter."""
    if rng.random() < 0.45:
        return []
    ny = "IV (ambulatory)" if f.nyha == "ambulatory IV" else f.nyha
    return ["Diagnoses:", f"1. Heart failure with reduced ejection fraction, LVEF {f.ef}%, NYHA {ny}",
            f"2. {f.cardiomyopathy.capitalize()}", "", f"Procedure: {proc}", ""]


def _proc_line(f: NoteFacts, kind: str, rng: random.Random) -> str:
    ng, og = f.new_generator, f.old_generator
    nv = f.leads_with("inserted", chamber="ventricular")
    if kind == "newsys":
        extra = f" with {_m('right atrial lead', 'ATRIAL_LEAD', 'inserted')}" if f.leads_with("inserted", chamber="atrial") else ""
        return f"{_sys(rng, 'inserted', ng.model)} implantation{extra}"
    if kind == "ccmd":
        return f"{_m('OPTIMIZER Integra CCM-D', 'CCM_SYSTEM', 'inserted')} implantation"
    if kind == "staged":
        return f"{_gen(rng, 'inserted', ng.model)} implantation (second stage)"
    if kind == "genchange":
        return _c(rng, f"{_gen(rng, 'inserted', None, 'CCM')} replacement", f"{_gen(rng, 'inserted')} change")
    if kind == "genchange_lead":
        return f"{_gen(rng, 'inserted')} change and new {_lead(nv[0], rng, 'inserted')}"
    if kind == "sysreplace":
        return f"Replacement of the complete {_sys(rng, 'inserted')}"
    if kind == "explant":
        return f"Removal of {_sys(rng, 'removed', og.model)}"
    if kind == "pocket":
        return f"Relocation of {_gen(rng, 'repositioned')}"
    if kind == "reposition":
        return f"{_m('Lead', 'LEAD', 'repositioned')} repositioning"
    if kind == "leadwork":
        return "Insertion of " + " and ".join(_lead(x, rng, "inserted", "new") for x in f.leads_with("inserted"))
    if kind == "partial":
        return f"{_sys(rng, 'none')} implant, leads only (incomplete)".replace("leads only", _m("leads", "LEAD", "inserted") + " only")
    return f"Attempted {_sys(rng, 'none')} implant (abandoned)"


def _opening(f: NoteFacts, kind: str, p: _P, rng: random.Random) -> str:
    verb = {"newsys": "had a cardiac contractility modulation system implanted",
            "ccmd": "had a combined CCM-defibrillator implanted", "staged": "had the second stage of the implant",
            "genchange": "had a generator replacement", "genchange_lead": "had a generator replacement and lead revision",
            "sysreplace": "had the whole system replaced", "explant": "had the system removed",
            "pocket": "had the generator moved to a new pocket", "reposition": "had a lead repositioned",
            "leadwork": "had a lead procedure", "partial": "came in for the implant",
            "aborted": "came in for the planned implant"}[kind]
    return _c(rng, f"Thank you for referring {p.name}, who {verb} today.",
              f"I am writing to let you know that {p.name} {verb} today.",
              f"I saw {p.name} again today, when {p.he} {verb}.")


_VERB_MARK = {
    "had a cardiac contractility modulation system implanted": ("cardiac contractility modulation system", "CCM_SYSTEM", "inserted"),
    "had a combined CCM-defibrillator implanted": ("combined CCM-defibrillator", "CCM_SYSTEM", "inserted"),
    "had a generator replacement": ("generator", "PULSE_GENERATOR", "inserted"),
    "had the whole system replaced": ("whole system", "CCM_SYSTEM", "inserted"),
    "had the system removed": ("system", "CCM_SYSTEM", "removed"),
    "had the generator moved": ("generator", "PULSE_GENERATOR", "repositioned"),
    "had a lead repositioned": ("lead", "LEAD", "repositioned"),
    "had a lead procedure": ("lead", "LEAD", "inserted"),
    "lead revision": ("lead", "LEAD", "inserted"),
}


def _mark_opening(text: str) -> str:
    for phrase, (word, label, action) in _VERB_MARK.items():
        if phrase in text:
            new = phrase.replace(word, f"[{word}]({label}|{action})", 1)
            text = text.replace(phrase, new, 1)
    return text


def _proc_letter(f: NoteFacts, kind: str, rng: random.Random) -> str:
    p = _P(f, rng)
    ref = rng.choice(_REFS)
    out = _head(f, p, rng, ref, _c(rng, "Cardiac Rhythm Management Service", "Department of Cardiac Electrophysiology",
                                   "Heart Rhythm Centre"))
    out += _block(f, kind, _proc_line(f, kind, rng), rng)
    out.append(_mark_opening(_opening(f, kind, p, rng)) + " " + _history(f, kind, p, rng))
    out.append("")
    paras = _today(f, kind, p, rng)
    out += [paras[0], ""] + ([paras[1], ""] if len(paras) > 1 else [])
    st = _settings(f, kind, p, rng)
    if st:
        out += [st, ""]
    out.append(_plan(f, kind, p, rng))
    out += _close(rng, rng.choice(_EPS), _c(rng, "Consultant Cardiac Electrophysiologist", "Consultant Cardiologist (Devices)"))
    return "\n".join(out)


# ------------------------------------------------------------------ non-procedure and non-CCM letters
def _clinic(f: NoteFacts, rng: random.Random) -> str:
    p = _P(f, rng)
    og, st = f.old_generator, f.settings
    out = _head(f, p, rng, rng.choice(_REFS), "Device Clinic, Cardiac Rhythm Management Service")
    out += [_c(rng, f"I reviewed {p.name} in the device clinic today.", f"Thank you for asking us to continue following {p.name}, whom I saw in clinic today.")
            + " " + _history(f, "clinic", p, rng), ""]
    out.append(_c(rng, f"{p.He} feels {_c(rng, 'considerably better', 'somewhat better', 'much the same')} and is charging the device weekly without difficulty.",
                  f"{p.He} reports walking further than before and has had no hospital admissions."))
    out.append("")
    s = [f"We interrogated the {_gen(rng, 'tested', og.model)} with the {st.programmer} programmer; the battery is satisfactory and therapy was delivered {rng.randrange(80, 99)}% of the scheduled time."]
    for ld in f.leads:
        s.append(f"The {_lead(ld, rng, 'tested')} shows {_meas(ld, rng)}.")
    s.append(f"Therapy was running at {st.amplitude_v} V, train delay {st.train_delay_ms} ms, {st.hours_per_day} hours a day.")
    out += [" ".join(s), ""]
    if f.evaluation == "programming":
        out.append("We made the following changes: " + "; ".join(f.programming_changes) + ", and rechecked delivery afterwards.")
    else:
        out.append(f"Everything is working as it should and no changes were made to the {_sys(rng, 'tested', og.model)}.")
    out += ["", _c(rng, f"We will see {p.him} again in six months, with remote checks in between.",
                   "I have arranged a further device check in three months.")]
    out += _close(rng, rng.choice(_EPS), "Consultant Cardiac Electrophysiologist")
    return "\n".join(out)


def _consult(f: NoteFacts, rng: random.Random) -> str:
    p = _P(f, rng)
    planned = f.planned or ""
    out = _head(f, p, rng, rng.choice(_REFS), _c(rng, "Heart Rhythm Centre", "Cardiac Rhythm Management Service"))
    out += [f"Thank you for referring {p.name} for consideration of {_sys(rng, '', None, 'hypothetical')}. " + _history(f, "consult", p, rng), ""]
    out.append(_c(rng, f"{p.He} has had two admissions with heart failure this year and is limited by breathlessness walking on the flat.",
                  f"{p.He} describes fatigue and breathlessness on modest exertion despite medication changes."))
    out.append(f"The ECG shows sinus rhythm with a QRS of {f.qrs_ms} ms, so {p.he} would not benefit from resynchronisation.")
    out.append("")
    if "atrial" in planned:
        rec = (f"I have recommended a {_sys(rng, '', None, 'hypothetical')} with {_m('two right ventricular septal leads', 'VENTRICULAR_LEAD', '', 'hypothetical', n=2)} "
               f"and an {_m('atrial lead', 'ATRIAL_LEAD', '', 'hypothetical')}, and {p.he} would like to go ahead.")
    elif "echocardiogram" in planned:
        rec = f"I would like to repeat the echocardiogram after further medication titration; if the ejection fraction remains between 25 and 45% I would recommend {_sys(rng, '', None, 'hypothetical')}."
    else:
        rec = f"I have recommended a {_sys(rng, '', None, 'hypothetical')} with {_m('two septal leads', 'VENTRICULAR_LEAD', '', 'hypothetical', n=2)}, and {p.he} would like to proceed."
    out.append(rec)
    if _has_icd(f):
        out.append(f"{p.His} existing {_icd(f, rng, 'none')} would stay as it is, with the new {_m('generator', 'PULSE_GENERATOR', '', 'hypothetical')} on the opposite side.")
    out += ["", "We will be in touch with a date. In the meantime please continue the current medication."]
    out += _close(rng, rng.choice(_EPS), "Consultant Cardiac Electrophysiologist")
    return "\n".join(out)


def _other_today(f: NoteFacts, p: _P, rng: random.Random) -> tuple[str, str, str]:
    d = f.other_devices[-1]
    k, w, s = d.kind, d.work, d.side
    od = lambda t, a: _m(t, "OTHER_DEVICE", a)
    pk = lambda t: _m(t, "POCKET")
    xr = _xray(rng)
    if k == "leadless pacemaker":
        return (f"had a {od('leadless pacemaker', 'inserted')} implanted",
                f"Today we implanted a {od('Micra leadless pacemaker', 'inserted')} through the {_m('right femoral vein', 'VENOUS_ACCESS')} under {xr}, fixed on the septal side of the right ventricle with good measurements.",
                "Consultant Cardiac Electrophysiologist")
    if k == "loop recorder":
        return (f"had an {od('implantable loop recorder', 'inserted')} fitted",
                f"Today we inserted a {od('loop recorder', 'inserted')} under the skin to the left of the breastbone; the signal is good.",
                "Consultant Cardiologist")
    if k == "Port-A-Cath":
        return (f"had a {od('Port-A-Cath', 'inserted')} placed",
                f"Today we placed a {od('Port-A-Cath', 'inserted')} through the {_m(f'{s} internal jugular vein', 'VENOUS_ACCESS')}, with the {od('port', 'inserted')} in a {pk('subcutaneous pocket')} and the catheter tip at the cavo-atrial junction on {xr}, for home inotrope infusions.",
                "Consultant Cardiologist")
    if k in ("spinal cord stimulator", "vagus nerve stimulator"):
        return (f"had {p.his} {od(k + ' generator', 'inserted')} replaced",
                f"Today we opened the {pk('generator pocket')}, removed the {od('depleted generator', 'removed')}, checked the {od('stimulator leads', 'retained')} and connected a {od('new generator', 'inserted')}.",
                "Consultant in Neuromodulation")
    if k == "hypoglossal nerve stimulator":
        return (f"had a {od('hypoglossal nerve stimulator', 'inserted')} implanted",
                f"Today, together with our ENT colleagues, we placed a {od('stimulation lead', 'inserted')} on the hypoglossal nerve and a {od('sensing lead', 'inserted')} between the ribs, connected to a {od('generator', 'inserted')} in a {pk(f'{s} infraclavicular pocket')}.",
                "Consultant in Sleep Medicine")
    if k == "baroreflex activation system":
        return (f"had a {od('baroreflex activation device', 'inserted')} implanted",
                f"Today, with the vascular surgeons, we sutured a {od('carotid sinus lead', 'inserted')} at the {s} carotid bifurcation and connected it to a {od('generator', 'inserted')} in a {pk(f'{s} infraclavicular pocket')}.",
                "Consultant Cardiologist (Heart Failure)")
    acc = _m(f"{s} axillary vein", "VENOUS_ACCESS")
    if w == "new implant":
        return (f"had a {od(k, 'inserted')} implanted",
                f"Today we implanted a {od(k, 'inserted')} in a {pk(f'{s} {f.pocket} pocket')}, with an {od('RV lead', 'inserted')} and an {od('atrial lead', 'inserted')} placed through the {acc} under {xr}.",
                "Consultant Cardiac Electrophysiologist")
    if w == "generator change":
        return (f"had {p.his} {od(k + ' generator', 'inserted')} changed",
                f"Today we replaced the {od(f'{k} generator', 'removed')}, which had reached its replacement indicator; the {od(f'{k} leads', 'retained')} tested well and were connected to a {od(f'new {k} generator', 'inserted')}.",
                "Consultant Cardiac Electrophysiologist")
    if w == "upgrade":
        return (f"was upgraded to a {od('CRT-D', 'inserted')}",
                f"Today we added an {od('LV lead', 'inserted')} through the {acc} into a lateral coronary sinus branch and exchanged the {od('ICD generator', 'removed')} for a {od('CRT-D generator', 'inserted')}, reconnecting the {od('existing leads', 'retained')}.",
                "Consultant Cardiac Electrophysiologist")
    return (f"had {p.his} {od('ICD lead', 'inserted')} revised",
            f"Today we removed the {od('noisy ICD lead', 'removed')} and placed a {od('new defibrillator lead', 'inserted')} through the {acc}, connecting it to the {od('existing ICD generator', 'retained')}.",
            "Consultant Cardiac Electrophysiologist")


def _other(f: NoteFacts, rng: random.Random) -> str:
    p = _P(f, rng)
    verb, today, title = _other_today(f, p, rng)
    out = _head(f, p, rng, rng.choice(_REFS), _c(rng, "Cardiac Rhythm Management Service", "Implantable Devices Service"))
    ny = "class IV (ambulatory)" if f.nyha == "ambulatory IV" else f"class {f.nyha}"
    hist = f"{p.He} has {f.cardiomyopathy} with an ejection fraction of {f.ef}% (NYHA {ny})."
    if f.device_family == "ccm":
        hist += f" {p.He} also has a {_sys(rng, '', f.old_generator.model, 'historical')} implanted in {f.old_generator.implant_year} on the {f.side} side."
    opening = _c(rng, f"I am writing to let you know that {p.name} {verb} today.",
                 f"Thank you for referring {p.name}, who {verb} today.")
    out += [f"{opening} {hist}", ""]
    tail = [f"The procedure was done under {f.sedation}.", today]
    if f.device_family == "ccm":
        tail.append(_c(rng, f"The {_sys(rng, 'retained')} on the other side was not disturbed.",
                       f"We paused the {_sys(rng, 'retained')} during the procedure and turned it back on at the end; its {_m('leads', 'LEAD', 'retained')} were well away from the field."))
        if f.evaluation == "interrogation":
            tail.append(f"A check of the {_sys(rng, 'retained')} afterwards showed normal function with no interaction.")
    fl = _m("fluoroscopy", "IMAGING")
    tail.append(f"There were no complications; {fl} time was {f.fluoro_min} minutes.")
    why = {"new implant": "The indication was discussed with you in my previous letter, and the consent discussion covered bleeding, infection and pneumothorax.",
           "generator change": f"The {_m('generator', 'OTHER_DEVICE', 'none')} had reached its replacement indicator at the last routine check.",
           "upgrade": "With a high pacing burden and worsening symptoms, we felt resynchronisation was the right next step.",
           "lead revision": "Remote monitoring had shown noise and rising impedance on the defibrillator lead."
           .replace("defibrillator lead", _m("defibrillator lead", "OTHER_DEVICE", "none"))}.get(f.other_devices[-1].work, "")
    out += [why, ""] if why else []
    out += [" ".join(tail), "",
            _c(rng, f"{p.He} will have a wound check in 7-10 days and routine follow-up thereafter. {p.He} should keep the wound dry for five days and avoid heavy lifting for four weeks.",
               f"We will review {p.him} in clinic in six weeks. In the meantime please continue the current medication; {p.he} has been given our contact number should the wound become red or swollen.")]
    out += _close(rng, rng.choice(_EPS), title)
    return "\n".join(out)


def _none(f: NoteFacts, rng: random.Random) -> str:
    p = _P(f, rng)
    out = _head(f, p, rng, rng.choice(_REFS), _c(rng, "Cardiology Outpatients", "Heart Failure Clinic"))
    ny = "class IV (ambulatory)" if f.nyha == "ambulatory IV" else f"class {f.nyha}"
    icd = f" {p.His} {_icd(f, rng, 'none')} was last checked three months ago and is functioning normally." if f.other_devices else ""
    if f.ccm_meaning == "chronic care management":
        body = [f"I reviewed {p.name} in the heart failure clinic today. {p.He} has {f.cardiomyopathy} with an ejection fraction of {f.ef}%, NYHA {ny}.{icd}",
                f"{p.He} is now enrolled in our chronic care management (CCM) programme: the CCM nurse calls monthly, reviews home weights and blood pressure, and reconciles medicines with your practice.",
                "Weights have been stable and there have been no admissions since enrolment.",
                "I have not changed the medication today. Please continue to co-sign the CCM care plan, which we will review again in three months."]
    else:
        body = [f"I reviewed {p.name} in clinic today. {p.He} has {f.cardiomyopathy} with an ejection fraction of {f.ef}%, NYHA {ny}.{icd}",
                f"As you know, {p.he} also has a cerebral cavernous malformation (CCM) under neurosurgical follow-up, and the most recent MRI showed no new bleeding.",
                "Because of the CCM I would avoid anticoagulation unless there is a compelling indication; we discussed left atrial appendage occlusion should atrial fibrillation develop.",
                f"Heart failure therapy is unchanged and I will see {p.him} again in six months."]
    out += [body[0], "", " ".join(body[1:])]
    out += _close(rng, rng.choice(_EPS), "Consultant Cardiologist")
    return "\n".join(out)


# ------------------------------------------------------------------ entry point
_SPAN_RE = re.compile(r"\[[^\[\]\n]+\]\([A-Z_]+(?:\|[a-z]+)?(?:\|[a-z0-9=,]+)?\)")
_POCKET_RE = re.compile(r"\b((?:old |new |existing )?[Pp]ocket)\b")
_MOD_RE = re.compile(r"\b(new|old|existing) \[")


def _tag(markup: str) -> str:
    out, pos = [], 0
    for m in _SPAN_RE.finditer(markup):
        out.append(_POCKET_RE.sub(r"[\1](POCKET)", markup[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_POCKET_RE.sub(r"[\1](POCKET)", markup[pos:]))
    return "".join(out)


def _render(f: NoteFacts, rng: random.Random) -> str:
    kind = _kind(f)
    if kind == "clinic":
        return _clinic(f, rng)
    if kind == "consult":
        return _consult(f, rng)
    if kind == "none":
        return _none(f, rng)
    if kind in ("other", "otherwork"):
        return _other(f, rng)
    return _proc_letter(f, kind, rng)


def render(facts: NoteFacts, rng: random.Random) -> str:
    return _tag(_MOD_RE.sub(r"[\1 ", _render(facts, rng)))


FAMILY = Family(
    name="referral_letter",
    style="letter",
    description="Letter from the implanting electrophysiologist to the referring cardiologist or GP: "
                "'Dear Dr', 'Thank you for referring', history, 'Today we ...' in plain prose, settings, "
                "follow-up and 'Kind regards'; clinic, consultation and non-device CCM letters in the same voice.",
    render=render,
)
