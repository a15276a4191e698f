"""Hospital discharge summary in which the device procedure is one event among others.

Header block (Admission Date / Discharge Date / Attending), numbered Discharge
Diagnoses, "Procedures This Admission", a "Hospital Course" paragraph that
narrates the procedure between diuresis, labs and imaging, a brief "Discharge
Medications" list and "Follow-up". Sessions without an admission come out as
the same institution's outpatient summaries: a device-clinic summary (S15), a
consultation summary (S24) and a primary-care / admission summary (S18).
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
    """Indefinite article + phrase, chosen from the phrase's first plain letter."""
    plain = re.sub(r"\[([^\[\]\n]+)\]\([^)]*\)", r"\1", markup)
    first = plain.split()[0] if plain.split() else ""
    vowel = first[:1].lower() in "aeio" or first[:2] in ("RV", "RA", "LS", "LV", "ICD", "S-", "MR") or first in ("ICD", "S-ICD")
    return ("an " if vowel else "a ") + markup


def _cap(text: str) -> str:
    if text.startswith("["):
        return "[" + text[1:2].upper() + text[2:]
    return text[:1].upper() + text[1:]


def _stop(f: NoteFacts) -> str:
    """The stop reason as markup."""
    r = f.stop_reason or ""
    r = r.replace("venogram", "[venogram](IMAGING)")
    r = r.replace("generator failed", "[generator](PULSE_GENERATOR|none) failed")
    r = r.replace("lead placement", "[lead](LEAD|inserted) placement")
    return r


def _c(rng: random.Random, *opts):
    return rng.choice(opts)


def _act(fate: str) -> str:
    return "retained" if fate == "untouched" else fate


def _model(model: str) -> str:
    return model.split(" (")[0]


_TX = "patient request after heart transplant listing"
_NUM = {1: "one", 2: "two", 3: "three"}
_REASON = {"elective replacement indicator": "had reached its elective replacement indicator",
           "battery depletion": "showed battery depletion", "end of service": "had reached end of service",
           "generator malfunction": "was malfunctioning", "recall advisory": "was subject to a manufacturer recall advisory",
           "pocket infection": None, "device erosion": None, "bacteremia": None}


# ------------------------------------------------------------------ component phrases
def _lead(lead: Lead, rng: random.Random, action: str, pre: str = "", *flags: str) -> str:
    ch = lead.channel
    if lead.chamber == "atrial":
        text, label = _c(rng, "right atrial lead", "atrial sensing lead", "RA lead", "right atrial sensing electrode"), "ATRIAL_LEAD"
    elif ch in ("lead 1", "lead 2"):
        text, label = _c(rng, (f"CCM {ch}", "LEAD"), (f"right ventricular septal {ch}", "VENTRICULAR_LEAD"),
                         (f"septal {ch}", "VENTRICULAR_LEAD"))
    elif ch in ("V1", "V2"):
        text, label = _c(rng, f"{ch} septal lead", f"{ch} ventricular lead", f"{ch} lead"), "VENTRICULAR_LEAD"
    elif ch == "LS":
        text, label = _c(rng, "LS lead", "LS septal lead", "local sense (LS) septal lead"), "VENTRICULAR_LEAD"
    else:
        text, label = _c(rng, "RV lead", "RV septal lead", "right ventricular septal lead"), "VENTRICULAR_LEAD"
    if pre:
        text = f"{pre} {text}"
    return _m(text, label, action, *flags)


def _pos(lead: Lead, rng: random.Random) -> str:
    p = lead.position
    if lead.chamber == "ventricular" and rng.random() < 0.4:
        p = _c(rng, f"right ventricular {p}", f"RV {p}", f"{p} of the right ventricle")
    return _m(p, "LEAD_POSITION")


def _meas(lead: Lead, rng: random.Random) -> str:
    w = "P-wave" if lead.chamber == "atrial" else "R-wave"
    return _c(rng, f"{w} amplitude {lead.sensing_mv} mV and impedance {lead.impedance_ohm} ohms",
              f"sensed {w} {lead.sensing_mv} mV, pacing impedance {lead.impedance_ohm} ohms, threshold {lead.threshold_v} V",
              f"{w} {lead.sensing_mv} mV / {lead.impedance_ohm} ohms")


def _gen(rng: random.Random, action: str, model: str | None = None, pre: str = "", *flags: str) -> str:
    opts = ["pulse generator", "generator", "CCM generator", "CCM pulse generator"]
    if model:
        opts += [f"{_model(model)} pulse generator", f"{_model(model)} generator"]
    text = rng.choice(opts)
    if pre:
        text = f"{pre} {text}"
    return _m(text, "PULSE_GENERATOR", action, *flags)


def _sys(rng: random.Random, action: str, model: str | None = None, *flags: str) -> str:
    opts = ["cardiac contractility modulation (CCM) system", "CCM system", "cardiac contractility modulation device",
            "CCM device"]
    if model:
        opts += [f"{_model(model)} system", _model(model), f"Impulse Dynamics {_model(model)}"]
    return _m(rng.choice(opts), "CCM_SYSTEM", action, *flags)


def _icd(f: NoteFacts, rng: random.Random, action: str, *flags: str) -> str:
    d = f.other_devices[0]
    return _m(_c(rng, f"{d.maker} {d.kind}", d.kind, f"{d.kind}"), "OTHER_DEVICE", action, *flags)


def _has_icd(f: NoteFacts) -> bool:
    return bool(f.other_devices) and f.other_devices[0].fate in ("untouched", "retained")


def _access(f: NoteFacts, rng: random.Random) -> str:
    s = f.side
    if f.access == "cephalic":
        return _c(rng, f"a {_m(f'{s} cephalic vein cutdown', 'VENOUS_ACCESS')}", f"the {_m(f'{s} cephalic vein', 'VENOUS_ACCESS')} by cutdown")
    if f.access == "subclavian":
        return _c(rng, f"the {_m(f'{s} subclavian vein', 'VENOUS_ACCESS')}", f"{_m(f'{s} subclavian venous access', 'VENOUS_ACCESS')}")
    return _c(rng, f"the {_m(f'{s} axillary vein', 'VENOUS_ACCESS')}",
              f"{_m(f'extrathoracic {s} axillary vein puncture', 'VENOUS_ACCESS')}")


def _pocket(f: NoteFacts, rng: random.Random) -> str:
    return _m(_c(rng, f"{f.side} {f.pocket} pocket", f"{f.pocket} pocket", f"{f.side} pectoral pocket"), "POCKET")


def _fl(rng: random.Random) -> str:
    return _m(_c(rng, "fluoroscopic guidance", "fluoroscopy"), "IMAGING")


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


# ------------------------------------------------------------------ "Procedures This Admission" item
def _proc_item(f: NoteFacts, kind: str, rng: random.Random) -> str:
    ng, og = f.new_generator, f.old_generator
    nv = f.leads_with("inserted", chamber="ventricular")
    na = f.leads_with("inserted", chamber="atrial")
    if kind == "newsys":
        parts = [_gen(rng, "inserted", ng.model)]
        if nv:
            parts.append(_m(_c(rng, f"{_NUM[len(nv)]} right ventricular septal leads", f"{_NUM[len(nv)]} RV septal leads"),
                            "VENTRICULAR_LEAD", "inserted", n=len(nv)) if len(nv) > 1 else _lead(nv[0], rng, "inserted"))
        if na:
            parts.append(_lead(na[0], rng, "inserted"))
        return _c(rng, f"Implantation of {_sys(rng, 'inserted', ng.model)} ({', '.join(parts)})",
                  f"New {_sys(rng, 'inserted')} implant: {' and '.join(parts)}")
    if kind == "ccmd":
        return _c(rng, f"Implantation of {_m('OPTIMIZER Integra CCM-D', 'CCM_SYSTEM', 'inserted')} ({_m('CCM-D generator', 'PULSE_GENERATOR', 'inserted')} with {_m('two septal leads', 'VENTRICULAR_LEAD', 'inserted', n=2)})",
                  f"{_m('CCM-D system', 'CCM_SYSTEM', 'inserted')} implantation ({_m('OPTIMIZER Integra', 'CCM_SYSTEM', 'inserted')})")
    if kind == "staged":
        return _c(rng, f"Implantation of {_gen(rng, 'inserted', ng.model)} connected to {_m('previously placed leads', 'LEAD', 'retained')}",
                  f"Staged {_gen(rng, 'inserted')} implant")
    if kind == "genchange":
        return _c(rng, f"{_gen(rng, 'inserted', None, 'CCM')} change", f"Replacement of {_gen(rng, 'inserted', ng.model)}",
                  f"Removal of {_gen(rng, 'removed', og.model, 'depleted')} and insertion of {_gen(rng, 'inserted', ng.model, 'new')}")
    if kind == "genchange_lead":
        return f"{_gen(rng, 'inserted', None, 'CCM')} change with placement of {_lead(nv[0], rng, 'inserted', 'new')}"
    if kind == "sysreplace":
        return _c(rng, f"Revision of {_sys(rng, 'inserted')}: new {_gen(rng, 'inserted')} and {_m('two new ventricular leads', 'VENTRICULAR_LEAD', 'inserted', n=2)}",
                  f"Complete {_sys(rng, 'inserted')} replacement")
    if kind == "explant":
        return _c(rng, f"Complete extraction of {_sys(rng, 'removed', og.model)}", f"{_sys(rng, 'removed')} explant (generator and leads)"
                  .replace("(generator and leads)", f"({_m('generator', 'PULSE_GENERATOR', 'removed')} and {_m('leads', 'LEAD', 'removed')})"))
    if kind == "pocket":
        return _c(rng, f"Relocation of {_gen(rng, 'repositioned')} to a {_m(_core_pocket(f), 'POCKET')}",
                  f"{_m('CCM pocket', 'POCKET')} revision with generator relocation".replace("generator", _m("generator", "PULSE_GENERATOR", "repositioned")))
    if kind == "reposition":
        ld = f.leads_with("repositioned")[0]
        return _c(rng, f"Repositioning of {_lead(ld, rng, 'repositioned', 'dislodged')}",
                  f"{_m('CCM lead', 'LEAD', 'repositioned')} revision (repositioning)")
    if kind == "leadwork":
        items = [_lead(x, rng, "inserted", "new") for x in f.leads_with("inserted")]
        return _c(rng, f"Placement of {' and '.join(items)}", f"{_m('CCM lead', 'LEAD', 'inserted')} revision")
    if kind == "partial":
        return f"Attempted {_sys(rng, 'none')} implant, incomplete ({_m('leads only', 'LEAD', 'inserted')})"
    if kind == "aborted":
        return f"Attempted {_sys(rng, 'none')} implant, aborted"
    return "Device procedure"


def _core_pocket(f: NoteFacts) -> str:
    return (f.new_pocket or "new pocket").replace(" more medially", "").replace(" inferior to the old one", "")


# ------------------------------------------------------------------ hospital-course narrative of the procedure
def _proc_prose(f: NoteFacts, kind: str, rng: random.Random) -> list[str]:
    s: list[str] = []
    og, ng = f.old_generator, f.new_generator
    new = f.leads_with("inserted")
    opened_old = og is not None and og.fate in ("removed", "retained", "repositioned")
    s.append(_c(rng, f"The procedure was performed under {f.sedation} with local lidocaine.",
                f"Under {f.sedation}, the {f.side} chest was prepped and draped in the usual sterile fashion.",
                f"{f.sedation.capitalize()} was used, and the skin was infiltrated with lidocaine."))
    if kind == "aborted":
        return s + _abort_prose(f, rng)
    if opened_old:
        act = _act(og.fate)
        s.append(_c(rng, f"The {_pocket(f, rng)} was opened through the prior incision and the {_gen(rng, act, og.model, 'existing' if act != 'removed' else 'old')} was freed from its capsule.",
                    f"The old incision was reopened and the {_gen(rng, act)} was delivered from the {_m('pocket', 'POCKET')}."))
    elif kind == "staged":
        s.append(_c(rng, f"The {_pocket(f, rng)} was re-entered and the {_m('capped leads', 'LEAD', 'retained')} were retrieved.",
                    f"A {_pocket(f, rng)} was developed and the {_m('existing leads', 'LEAD', 'retained')} were brought into it."))
    else:
        s.append(_c(rng, f"A {_pocket(f, rng)} was created through a {_m(f'{f.side} infraclavicular incision', 'POCKET')}.",
                    f"A {_pocket(f, rng)} was fashioned by blunt dissection."))
    if new:
        vg = f" after a {_m('contrast venogram', 'IMAGING')}" if f.venogram else ""
        s.append(_c(rng, f"Venous access was obtained via {_access(f, rng)}{vg} under {_fl(rng)}.",
                    f"Access was through {_access(f, rng)}{vg}."))
    for ld in f.leads_with("removed"):
        s.append(_c(rng, f"The {_lead(ld, rng, 'removed', 'old')} was extracted with a locking stylet and gentle traction.",
                    f"The {_lead(ld, rng, 'removed', 'chronic')} was unscrewed and removed intact."))
    for ld in f.leads_with("abandoned"):
        s.append(_c(rng, f"The {_lead(ld, rng, 'abandoned', 'old')} was capped and abandoned in the {_m('pocket', 'POCKET')}.",
                    f"The {_lead(ld, rng, 'abandoned', 'nonfunctional')} was left in place with a cap."))
    for ld in f.leads_with("repositioned"):
        s.append(_c(rng, f"The {_lead(ld, rng, 'repositioned', 'dislodged')} was freed from its sleeve and repositioned to the {_pos(ld, rng)} under {_fl(rng)}, with {_meas(ld, rng)}.",
                    f"The {_lead(ld, rng, 'repositioned')} was withdrawn and re-fixed at the {_pos(ld, rng)}; {_meas(ld, rng)}."))
    nv = f.leads_with("inserted", chamber="ventricular")
    if len(nv) == 2:
        a, b = nv
        s.append(_c(rng, f"Two active-fixation leads were placed on the septum: the {_lead(a, rng, 'inserted')} at the {_pos(a, rng)} ({_meas(a, rng)}) and the {_lead(b, rng, 'inserted')} at the {_pos(b, rng)} ({_meas(b, rng)}).",
                    f"The {_lead(a, rng, 'inserted')} was fixed at the {_pos(a, rng)} and the {_lead(b, rng, 'inserted')} at the {_pos(b, rng)}, with septal orientation confirmed in the LAO projection; {_meas(a, rng)} and {_meas(b, rng)}, respectively.")
                 .replace("Two active-fixation leads", _m("Two active-fixation leads", "LEAD", "inserted", n=2)))
    elif nv:
        a = nv[0]
        s.append(_c(rng, f"A {_lead(a, rng, 'inserted', 'new')} was positioned at the {_pos(a, rng)} ({_meas(a, rng)}).",
                    f"The {_lead(a, rng, 'inserted', 'new')} ({a.model}) was screwed into the {_pos(a, rng)}; {_meas(a, rng)}."))
    for a in f.leads_with("inserted", chamber="atrial"):
        s.append(_c(rng, f"A {_lead(a, rng, 'inserted', 'new')} was fixed in the {_pos(a, rng)} ({_meas(a, rng)}).",
                    f"The {_lead(a, rng, 'inserted')} was placed in the {_pos(a, rng)} with {_meas(a, rng)}."))
    if kind in ("genchange", "genchange_lead", "staged", "leadwork", "reposition"):
        kept = f.leads_with("retained")
        if kept:
            s.append("The " + ", ".join(f"{_lead(x, rng, 'retained', 'existing')} ({_meas(x, rng)})" for x in kept)
                     + _c(rng, " tested acceptably and were kept." if len(kept) > 1 else " tested acceptably and was kept.",
                          " remained adequate."))
    if kind == "partial":
        s += _partial_prose(f, rng)
    if og and og.fate == "removed":
        why = _REASON.get(og.reason or "")
        s.append(f"The {_gen(rng, 'removed', og.model, 'old')}" + (f", which {why}," if why else "") + " was explanted.")
    if og and og.fate == "repositioned":
        dest = f.new_pocket or "new pocket"
        core = _core_pocket(f)
        s.append(f"A {_m(core, 'POCKET')}{dest[len(core):]} was created and the {_gen(rng, 'repositioned', og.model)} was moved into it; the {_m('old pocket', 'POCKET')} was closed after capsulectomy. The {_m('leads', 'LEAD', 'retained')} were not disturbed.")
    if og and og.fate == "retained":
        s.append(_c(rng, f"The {_gen(rng, 'retained', og.model, 'existing')} was reconnected and returned to the {_m('pocket', 'POCKET')}.",
                    f"The header was reconnected to the {_gen(rng, 'retained')}."))
    if ng:
        g = (_m(_c(rng, "Integra CCM-D generator", "OPTIMIZER Integra generator"), "PULSE_GENERATOR", "inserted")
             if kind == "ccmd" else _gen(rng, "inserted", ng.model, "new"))
        s.append(_c(rng, f"{_cap(_a(g))} was connected and placed in the {_m('pocket', 'POCKET')}.",
                    f"The {g} was attached, and the set screws were secured."))
    if f.settings and kind not in ("explant", "partial"):
        st = f.settings
        s.append(_c(rng, f"Therapy was delivered at {st.amplitude_v} V with a train delay of {st.train_delay_ms} ms without extracardiac stimulation.",
                    f"Delivery testing at {st.amplitude_v} V was tolerated without diaphragmatic stimulation or patient sensation."))
    if kind == "explant" and og.reason == _TX:
        s.append("The pocket was irrigated and closed in layers.".replace("pocket", _m("pocket", "POCKET")))
    elif kind == "explant":
        s.append("The pocket was debrided and irrigated and cultures were sent.".replace("pocket", _m("pocket", "POCKET")))
    if _has_icd(f):
        s.append(_c(rng, f"The {_icd(f, rng, 'retained')} was interrogated before and after the procedure without evidence of interaction.",
                    f"Tachycardia therapies of the {_icd(f, rng, 'retained')} were suspended during the case and restored afterward."))
    s.append(_c(rng, f"{_m('Fluoroscopy', 'IMAGING')} time was {f.fluoro_min} minutes and blood loss was minimal.",
                f"There were no complications; {_m('fluoroscopy', 'IMAGING')} time {f.fluoro_min} minutes."
                if not f.stop_reason else f"{_m('Fluoroscopy', 'IMAGING')} time was {f.fluoro_min} minutes."))
    return s


def _partial_prose(f: NoteFacts, rng: random.Random) -> list[str]:
    r = f.stop_reason or ""
    n = len(f.leads_with("inserted"))
    lt = _m("leads" if n > 1 else "lead", "LEAD", "inserted", n=n if n > 1 else None)
    if "telemetry" in r:
        why = f"the {_m('new generator', 'PULSE_GENERATOR', 'none')} failed telemetry on opening and no replacement was available"
    elif "hemodynamic" in r:
        why = f"{'he' if f.sex == 'male' else 'she'} became hemodynamically unstable after lead placement, requiring vasopressors"
        why = why.replace("lead placement", _m("lead", "LEAD", "inserted") + " placement")
    else:
        why = f"a {_m('pocket', 'POCKET')} hematoma developed during the case"
    out = [f"The procedure was stopped because {why}.",
           f"The {lt} {'were' if n > 1 else 'was'} capped and secured in the {_m('pocket', 'POCKET')}, and {_m('no generator', 'PULSE_GENERATOR', '', 'negated')} was implanted."]
    if n == 1:
        out.append(f"A {_m('second septal lead', 'VENTRICULAR_LEAD', '', 'negated')} was not placed.")
    return out


def _abort_prose(f: NoteFacts, rng: random.Random) -> list[str]:
    r = f.stop_reason or ""
    if "venogram" in r:
        x = f"A {_m('venogram', 'IMAGING')} showed occlusion of the {f.side} subclavian and innominate veins with no usable access, and the procedure was abandoned."
    elif "hypotension" in r:
        x = "Persistent hypotension developed after sedation despite fluids and phenylephrine, and the procedure was stopped before incision."
    elif "agitation" in r:
        x = "The patient remained agitated despite additional sedation and the procedure was stopped."
    elif "pneumothorax" in r:
        x = f"A pneumothorax was recognized on {_m('fluoroscopy', 'IMAGING')} after the {_m(f'{f.side} subclavian', 'VENOUS_ACCESS')} puncture, and the procedure was aborted."
    else:
        x = f"The procedure was stopped ({_stop(f)})."
    return [x, f"{_m('No leads', 'LEAD', '', 'negated')} and {_m('no generator', 'PULSE_GENERATOR', '', 'negated')} were implanted."]


# ------------------------------------------------------------------ note assembly
_ATT = ["Dr. Helen Marsh", "Dr. Omar Farouk", "Dr. Lucia Bernal", "Dr. Peter Lindgren", "Dr. Grace Obi"]
_COMORB = ["Hypertension", "Type 2 diabetes mellitus", "Chronic kidney disease stage 3a", "Hyperlipidemia",
           "Paroxysmal atrial fibrillation", "Obstructive sleep apnea", "Hypothyroidism"]
_MEDS = ["Sacubitril-valsartan 49/51 mg twice daily", "Carvedilol 12.5 mg twice daily", "Metoprolol succinate 100 mg daily",
         "Spironolactone 25 mg daily", "Dapagliflozin 10 mg daily", "Empagliflozin 10 mg daily", "Furosemide 40 mg daily",
         "Torsemide 20 mg daily", "Atorvastatin 40 mg nightly", "Apixaban 5 mg twice daily", "Aspirin 81 mg daily"]


def _dates(rng: random.Random) -> tuple[dt.date, dt.date, dt.date]:
    adm = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
    proc = adm + dt.timedelta(days=rng.choice([0, 0, 1, 2]))
    dis = proc + dt.timedelta(days=rng.choice([1, 1, 2]))
    return adm, proc, dis


def _d(x: dt.date, rng_fmt: int) -> str:
    return x.strftime("%m/%d/%Y") if rng_fmt == 0 else x.strftime("%d %b %Y")


def _ny(f: NoteFacts) -> str:
    return "IV (ambulatory)" if f.nyha == "ambulatory IV" else f.nyha


def _pt(f: NoteFacts) -> str:
    return f"{f.age}-year-old {'man' if f.sex == 'male' else 'woman'}"


def _hf_dx(f: NoteFacts, rng: random.Random) -> str:
    return _c(rng, f"Chronic heart failure with reduced ejection fraction (LVEF {f.ef}%), NYHA class {_ny(f)}",
              f"HFrEF, NYHA {f.nyha}, ejection fraction {f.ef}%")


def _device_dx(f: NoteFacts, kind: str, rng: random.Random) -> str | None:
    og = f.old_generator
    if kind in ("genchange", "genchange_lead", "sysreplace") and og:
        return f"{_gen(rng, 'none', og.model)} {(_REASON.get(og.reason or '') or 'at end of life').replace('had reached', 'at').replace('showed', 'with').replace('was ', '')}"
    if kind == "explant" and og and og.reason == _TX:
        return f"Listed for heart transplantation; {_sys(rng, 'none')} removal at patient request"
    if kind == "explant" and og:
        return f"{(og.reason or 'infection').capitalize()} involving the {_sys(rng, 'none')}"
    if kind == "reposition":
        return f"Dislodgement of {_m('CCM lead', 'LEAD', 'none')} with loss of sensing"
    if kind == "pocket":
        return f"{_m('Generator', 'PULSE_GENERATOR', 'none')} migration with pocket pain".replace("pocket", _m("pocket", "POCKET"))
    if kind == "leadwork":
        if f.leads_with("abandoned", "removed"):
            return f"Malfunction of {_m('CCM lead', 'LEAD', 'none')} (high impedance / loss of sensing)"
        return f"Suboptimal therapy delivery without an {_m('atrial sensing lead', 'ATRIAL_LEAD', '', 'negated')}"
    return None


def _history(f: NoteFacts, kind: str, rng: random.Random) -> str:
    og = f.old_generator
    bits = [f"This {_pt(f)} has {f.cardiomyopathy} with an ejection fraction of {f.ef}% and NYHA class {_ny(f)} symptoms despite guideline-directed medical therapy; QRS duration is {f.qrs_ms} ms."]
    if _has_icd(f) or (f.other_devices and kind in ("consult", "clinic", "none")):
        bits.append(_c(rng, f"{_cap(_a(_icd(f, rng, '', 'historical')))} was implanted previously for primary prevention.",
                       f"{'He' if f.sex == 'male' else 'She'} has {_a(_icd(f, rng, 'none'))} in place."))
    if og and kind == "reposition" and f.original_implant_year is None:
        bits.append(f"The {_sys(rng, '', og.model, 'historical')} had been implanted recently.")
    elif og and og.implant_year and kind not in ("staged",):
        bits.append(f"The {_sys(rng, '', og.model, 'historical')} was implanted in {og.implant_year}.")
    if kind == "staged":
        r = f.new_generator.reason or ""
        lh = _m("two septal leads", "VENTRICULAR_LEAD", "", "historical", n=2)
        if "infection" in r:
            bits.append(f"{'His' if f.sex == 'male' else 'Her'} {_m('previous generator', 'PULSE_GENERATOR', '', 'historical')} was explanted for pocket infection, with {lh} left in place; antibiotics were completed.")
        elif "maturation" in r:
            bits.append(f"At the first stage, {lh} were implanted and capped to allow maturation.")
        else:
            bits.append(f"At the index procedure {lh} were implanted but {_m('no generator', 'PULSE_GENERATOR', '', 'negated')} was available.")
    return " ".join(bits)


def _course_intro(f: NoteFacts, adm: dt.date, proc: dt.date, rng: random.Random, fmt: int,
                  explant: bool = False) -> tuple[str, str]:
    """Opening of the hospital course and a post-procedure tail, both unrelated to hardware."""
    decomp = rng.random() < 0.4
    cr1 = round(rng.uniform(0.9, 1.8), 1)
    if explant and f.old_generator.reason == _TX:
        intro = (f"The patient, now listed for heart transplantation, asked to have the device removed and was admitted electively; "
                 f"removal was performed on {_d(proc, fmt)} after discussion with the transplant team.")
    elif explant:
        intro = (f"The patient was admitted with {_c(rng, 'erythema and drainage at the device site', 'fever and positive blood cultures', 'skin breakdown over the device')}. "
                 f"Blood cultures were drawn and intravenous vancomycin was started; transesophageal echocardiogram showed no valvular vegetation. "
                 f"After discussion with Infectious Disease, complete device removal was performed on {_d(proc, fmt)}.")
    elif decomp:
        intro = (f"The patient was admitted with decompensated heart failure (weight up {rng.randrange(2, 6)} kg, BNP {rng.randrange(600, 2400)} pg/mL) "
                 f"and was diuresed with intravenous furosemide with net negative {round(rng.uniform(2, 6), 1)} L; creatinine peaked at {cr1} mg/dL. "
                 f"Once euvolemic, {'he' if f.sex == 'male' else 'she'} was taken to the electrophysiology laboratory on {_d(proc, fmt)}.")
    else:
        intro = _c(rng, f"The patient was admitted electively on {_d(adm, fmt)} for the procedure below.",
                   f"{'He' if f.sex == 'male' else 'She'} was admitted for a planned device procedure, performed on {_d(proc, fmt)}.")
    tail = _c(rng, f"Post-procedure chest radiograph showed no pneumothorax. Potassium was {round(rng.uniform(3.6, 4.9), 1)} mmol/L and creatinine {cr1} mg/dL. The wound was dry on the day of discharge.",
              "Overnight telemetry was unremarkable. The incision was clean and dry without hematoma. Pain was controlled with acetaminophen.",
              f"The chest X-ray the next morning was unremarkable. Hemoglobin was stable at {round(rng.uniform(10.5, 14.5), 1)} g/dL.")
    return intro, tail


def _fu(f: NoteFacts, kind: str, rng: random.Random) -> list[str]:
    out = [_c(rng, "Device clinic wound check in 7-10 days.", "Wound check in the device clinic in one week."),
           _c(rng, "Heart failure clinic in 2 weeks.", "Cardiology follow-up in 4-6 weeks.")]
    if f.settings and kind in ("newsys", "staged", "genchange", "genchange_lead", "sysreplace", "ccmd"):
        out.append(f"Charge the device weekly with the {f.settings.charger}; interrogation with the {f.settings.programmer} programmer at the next visit.")
    if kind == "partial":
        out.insert(0, f"Readmission for a staged {_m('generator', 'PULSE_GENERATOR', '', 'hypothetical')} implant in 1-2 weeks.")
    if kind == "aborted":
        out.insert(0, f"Electrophysiology will reschedule the {_sys(rng, '', None, 'hypothetical')} implant; contralateral access to be considered.")
    if kind == "explant" and f.old_generator.reason == _TX:
        out.insert(0, "Transplant clinic follow-up as scheduled.")
    elif kind == "explant":
        out.insert(0, f"Infectious disease follow-up; reimplantation of a {_sys(rng, '', None, 'hypothetical')} will be considered after clearance.")
    return out


def _meds(f: NoteFacts, rng: random.Random, kind: str) -> list[str]:
    m = rng.sample(_MEDS, k=rng.randrange(4, 7))
    if kind == "explant" and f.old_generator.reason != _TX:
        m.append("Cefazolin 2 g IV every 8 hours via PICC (per Infectious Disease)")
    elif rng.random() < 0.4:
        m.append("Cephalexin 500 mg four times daily for 3 days")
    return m


def _summary(f: NoteFacts, kind: str, rng: random.Random, proc_item: str, prose: list[str], extra_dx: list[str]) -> str:
    adm, proc, dis = _dates(rng)
    fmt = rng.randrange(2)
    hdr = [_c(rng, "DISCHARGE SUMMARY", "Discharge Summary", "HOSPITAL DISCHARGE SUMMARY"), ""]
    block = [f"Patient: {_pt(f)}", f"Admission Date: {_d(adm, fmt)}", f"Discharge Date: {_d(dis, fmt)}",
             f"Attending: {rng.choice(_ATT)}", _c(rng, "Service: Cardiology / Electrophysiology", "Service: Cardiac Electrophysiology")]
    dx = [_hf_dx(f, rng), f.cardiomyopathy.capitalize()] + extra_dx + rng.sample(_COMORB, k=rng.randrange(1, 4))
    dx_txt = [_c(rng, "DISCHARGE DIAGNOSES:", "Discharge Diagnoses:")] + [f"{i}. {x}" for i, x in enumerate(dx, 1)]
    procs = [_c(rng, "PROCEDURES THIS ADMISSION:", "Procedures This Admission:")] + [f"1. {_d(proc, fmt)}: {proc_item}"]
    if rng.random() < 0.5:
        procs.append(f"2. {_c(rng, 'Chest radiograph, post-procedure', 'Transthoracic echocardiogram')}")
    hpi = [_c(rng, "HISTORY OF PRESENT ILLNESS:", "Brief History:"), _history(f, kind, rng)]
    intro, tail = _course_intro(f, adm, proc, rng, fmt, kind == "explant")
    course = [_c(rng, "HOSPITAL COURSE:", "Hospital Course:"), " ".join([intro] + prose + [tail])]
    cond = _c(rng, "Condition at discharge: stable, ambulating, incision clean.", "Discharge condition: good.",
              "Condition on discharge: stable.")
    meds = [_c(rng, "DISCHARGE MEDICATIONS:", "Discharge Medications:")] + [f"- {x}" for x in _meds(f, rng, kind)]
    fu = [_c(rng, "FOLLOW-UP:", "Follow-up:")] + [f"- {x}" for x in _fu(f, kind, rng)]
    instr = _c(rng, f"Instructions: no lifting over 10 lb or raising the {f.side} arm above the shoulder for 4 weeks; keep the incision dry for 5 days.",
               "Instructions: arm restrictions per device protocol; call for fever, wound drainage or swelling.")
    sections = [dx_txt, procs, hpi] if rng.random() < 0.6 else [dx_txt, hpi, procs]
    out = hdr + block + [""]
    for sec in sections:
        out += sec + [""]
    if kind in ("newsys", "staged", "genchange", "genchange_lead", "sysreplace", "ccmd") and f.settings and rng.random() < 0.6:
        st = f.settings
        course.append("")
        course.append(f"Device settings at discharge: amplitude {st.amplitude_v} V, train delay {st.train_delay_ms} ms, {st.hours_per_day} hours/day.")
    out += course + ["", cond, ""] + meds + [""] + fu + ["", instr]
    return "\n".join(out)


# ------------------------------------------------------------------ other device work (S16, S17)
def _other_prose(f: NoteFacts, rng: random.Random) -> tuple[str, list[str], str]:
    d = f.other_devices[-1]
    k, w, s = d.kind, d.work, d.side
    od = lambda t, a: _m(t, "OTHER_DEVICE", a)
    pk = lambda t: _m(t, "POCKET")
    fl = _fl(rng)
    if k == "leadless pacemaker":
        return (f"Implantation of {od('leadless pacemaker', 'inserted')}",
                [f"Through the {_m('right femoral vein', 'VENOUS_ACCESS')}, a {od('Micra leadless pacemaker', 'inserted')} was deployed on the RV septum under {fl}; tug testing confirmed fixation."],
                "Symptomatic bradycardia")
    if k == "loop recorder":
        return (f"Insertion of {od('implantable loop recorder', 'inserted')}",
                [f"An {od('implantable loop recorder', 'inserted')} was inserted subcutaneously in the left parasternal region."],
                "Unexplained syncope")
    if k == "Port-A-Cath":
        return (f"Placement of {od('Port-A-Cath', 'inserted')}",
                [f"Via the {_m(f'{s} internal jugular vein', 'VENOUS_ACCESS')}, a {od('port catheter', 'inserted')} was tunneled with its tip at the cavoatrial junction on {fl}, and the {od('port', 'inserted')} was placed in a {pk('subcutaneous pocket')}."],
                "Need for long-term venous access for home inotrope therapy")
    if k in ("spinal cord stimulator", "vagus nerve stimulator"):
        return (f"{od(k + ' generator', 'inserted')} replacement",
                [f"The {pk('generator pocket')} was opened, the {od(f'depleted {k} generator', 'removed')} was removed, the {od('stimulator leads', 'retained')} were tested and connected to a {od('new generator', 'inserted')}."],
                f"{k.capitalize()} battery depletion")
    if k == "hypoglossal nerve stimulator":
        return (f"Implantation of {od('hypoglossal nerve stimulator', 'inserted')}",
                [f"With ENT, a {od('stimulation cuff lead', 'inserted')} was placed on the hypoglossal nerve and a {od('sensing lead', 'inserted')} in the intercostal space, connected to a {od('generator', 'inserted')} in a {pk(f'{s} infraclavicular pocket')}."],
                "Obstructive sleep apnea, CPAP intolerant")
    if k == "baroreflex activation system":
        return (f"Implantation of {od('baroreflex activation therapy system', 'inserted')}",
                [f"With vascular surgery, a {od('carotid sinus lead', 'inserted')} was sutured at the {s} carotid bifurcation and connected to a {od('Barostim generator', 'inserted')} in a {pk(f'{s} infraclavicular pocket')}."],
                "Heart failure with reduced ejection fraction, baroreflex activation therapy candidate")
    acc = _m(f"{s} axillary vein", "VENOUS_ACCESS")
    if w == "new implant":
        lead = "RV defibrillator lead" if "ICD" in k else "RV pacing lead"
        return (f"Implantation of {od(k, 'inserted')}",
                [f"A {pk(f'{s} prepectoral pocket')} was created, and via the {acc} under {fl} an {od(lead, 'inserted')} and a {od('right atrial lead', 'inserted')} were placed and connected to the {od(f'{k} generator', 'inserted')}."],
                "Symptomatic bradycardia" if "pacemaker" in k else "Primary prevention of sudden cardiac death")
    if w == "generator change":
        return (f"{od(k + ' generator', 'inserted')} change",
                [f"The {pk(f'{s} {k} pocket')} was opened, the {od(f'old {k} generator', 'removed')} was removed, and the {od(f'{k} leads', 'retained')} tested well and were connected to a {od(f'new {k} generator', 'inserted')}."],
                f"{_cap(_m(k, 'OTHER_DEVICE', 'none'))} at elective replacement indicator")
    if w == "upgrade":
        return (f"Upgrade to {od('CRT-D', 'inserted')}",
                [f"Via the {acc}, an {od('LV lead', 'inserted')} was placed in a lateral coronary sinus branch; the {od('ICD generator', 'removed')} was exchanged for a {od('CRT-D generator', 'inserted')} and the {od('existing ICD leads', 'retained')} were reconnected."],
                "Heart failure with high right ventricular pacing burden")
    return (f"{od('ICD lead', 'inserted')} revision",
            [f"The {od('fractured ICD lead', 'removed')} was extracted and a {od('new RV defibrillator lead', 'inserted')} was placed via the {acc} under {fl} and connected to the {od('existing ICD generator', 'retained')}."],
            f"{_m('ICD lead', 'OTHER_DEVICE', 'none')} fracture with noise")


def _other(f: NoteFacts, rng: random.Random) -> str:
    item, prose, dx = _other_prose(f, rng)
    pre = [f"The procedure was performed under {f.sedation}."]
    post = []
    if f.device_family == "ccm":
        og = f.old_generator
        post.append(_c(rng, f"The {_sys(rng, 'retained', og.model)} on the {f.side} side was not disturbed.",
                       f"{_m('CCM therapy', 'CCM_SYSTEM', 'retained')} was suspended during the case and resumed afterward; the {_m('CCM leads', 'LEAD', 'retained')} were away from the field."))
        if f.evaluation == "interrogation":
            post.append(f"Interrogation of the {_sys(rng, 'retained')} afterward showed normal function without interaction.")
    post.append(f"{_m('Fluoroscopy', 'IMAGING')} time was {f.fluoro_min} minutes; no complications.")
    extra = [dx]
    if f.device_family == "ccm":
        extra.append(f"Status post {_sys(rng, '', f.old_generator.model, 'historical')} implant ({f.old_generator.implant_year})")
    return _summary(f, "other", rng, item, pre + prose + post, extra)


# ------------------------------------------------------------------ outpatient summaries (S15, S18, S24)
def _clinic(f: NoteFacts, rng: random.Random) -> str:
    og, st = f.old_generator, f.settings
    date = (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700))).strftime("%m/%d/%Y")
    out = [_c(rng, "OUTPATIENT DEVICE CLINIC SUMMARY", "Device Clinic Visit Summary"), "",
           f"Visit Date: {date}", f"Patient: {_pt(f)}", f"Clinician: {rng.choice(_ATT)}", "",
           "Diagnoses:", f"1. {_hf_dx(f, rng)}", f"2. {f.cardiomyopathy.capitalize()}",
           f"3. {_sys(rng, 'none', og.model)} in situ", "",
           "Devices:", f"- {_sys(rng, '', og.model, 'historical')}, implanted {og.implant_year}"]
    if f.other_devices:
        out.append(f"- {_icd(f, rng, '', 'historical')}")
    out += ["", _c(rng, "Interrogation Summary:", "Findings:"),
            f"The {_gen(rng, 'tested', og.model)} was interrogated with the {st.programmer} programmer. Battery status is adequate and therapy was delivered during {rng.randrange(80, 99)}% of the scheduled periods."]
    for ld in f.leads:
        out.append(f"The {_lead(ld, rng, 'tested')} shows {_meas(ld, rng)}.")
    out.append(f"Programmed amplitude {st.amplitude_v} V, train delay {st.train_delay_ms} ms, {st.hours_per_day} hours per day.")
    out += ["", "Programming:"]
    if f.evaluation == "programming":
        out += [f"- {x.capitalize()}" for x in f.programming_changes] + ["Final settings were verified and saved."]
    else:
        out.append("No programming changes were made.")
    out += ["", "Assessment:", _c(rng, f"Normally functioning {_sys(rng, 'tested', og.model)}. Symptoms improved since implant; charging adherence good.",
                                  f"The {_sys(rng, 'tested')} functions appropriately. NYHA class {_ny(f)}."),
            "", "Follow-up:", "- Remote monitoring every 3 months.", "- Device clinic in 6 months.", "- Continue weekly charging."]
    return "\n".join(out)


def _consult(f: NoteFacts, rng: random.Random) -> str:
    planned = f.planned or ""
    date = (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700))).strftime("%m/%d/%Y")
    out = [_c(rng, "CONSULTATION SUMMARY - ELECTROPHYSIOLOGY", "Electrophysiology Consultation Summary"), "",
           f"Date of Consultation: {date}", f"Patient: {_pt(f)}",
           f"Referring Physician: {rng.choice(['Dr. Anita Roy', 'Dr. Samuel Kwon', 'Dr. Elena Petrova'])} (Heart Failure)",
           f"Reason for Consultation: evaluation for {_sys(rng, '', None, 'hypothetical')}", "",
           "Diagnoses:", f"1. {_hf_dx(f, rng)}", f"2. {f.cardiomyopathy.capitalize()}"]
    out += [f"{i}. {x}" for i, x in enumerate(rng.sample(_COMORB, k=2), 3)]
    out += ["", "History:", _history(f, "consult", rng),
            _c(rng, "Two heart failure hospitalizations in the past year; six-minute walk 290 m.",
               "Fatigue and dyspnea with light activity despite optimized therapy."), "",
            "Impression and Recommendations:"]
    if "atrial" in planned:
        out.append(f"- Candidate for {_sys(rng, '', None, 'hypothetical')} with an {_m('atrial sensing lead', 'ATRIAL_LEAD', '', 'hypothetical')} and {_m('two right ventricular septal leads', 'VENTRICULAR_LEAD', '', 'hypothetical', n=2)}.")
    elif "echocardiogram" in planned:
        out.append(f"- Repeat echocardiogram after medication titration; if LVEF remains 25-45%, proceed to {_sys(rng, '', None, 'hypothetical')} implant.")
    else:
        out.append(f"- Recommend {_sys(rng, '', None, 'hypothetical')} implant with {_m('two septal leads', 'VENTRICULAR_LEAD', '', 'hypothetical', n=2)}.")
    if _has_icd(f):
        out.append(f"- The existing {_icd(f, rng, 'none')} would remain; the new {_m('generator', 'PULSE_GENERATOR', '', 'hypothetical')} would go in the contralateral chest.")
    out += ["- Risks, benefits and alternatives discussed; patient wishes to proceed.", "- Continue current medical therapy."]
    return "\n".join(out)


def _none(f: NoteFacts, rng: random.Random) -> str:
    if f.ccm_meaning == "chronic care management":
        date = (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(700))).strftime("%m/%d/%Y")
        out = [_c(rng, "PRIMARY CARE SUMMARY - CHRONIC CARE MANAGEMENT", "Chronic Care Management (CCM) Monthly Summary"), "",
               f"Date: {date}", f"Patient: {_pt(f)}", "Program: Chronic Care Management (CCM), 20 minutes clinical staff time this month", "",
               "Chronic Conditions:", f"1. {_hf_dx(f, rng)}"] + [f"{i}. {x}" for i, x in enumerate(rng.sample(_COMORB, k=3), 2)]
        if f.other_devices:
            out.append(f"5. Status post {_icd(f, rng, '', 'historical')}")
        out += ["", "Summary:",
                f"Monthly CCM call completed by the care coordinator. Home weights stable, blood pressure {rng.randrange(100, 135)}/{rng.randrange(60, 85)}, no emergency visits. Medication list reconciled; pharmacy refills coordinated.",
                "Care plan reviewed with the patient and updated in the CCM registry.", "",
                "Medications:"] + [f"- {x}" for x in rng.sample(_MEDS, k=4)] + [
                "", "Follow-up:", "- Next CCM contact in 30 days.", "- Cardiology appointment as scheduled."]
        return "\n".join(out)
    adm, _proc, dis = _dates(rng)
    out = ["DISCHARGE SUMMARY", "", f"Patient: {_pt(f)}", f"Admission Date: {adm:%m/%d/%Y}", f"Discharge Date: {dis:%m/%d/%Y}", "",
           "Discharge Diagnoses:", "1. Focal seizure secondary to cerebral cavernous malformation (CCM), right temporal",
           f"2. {_hf_dx(f, rng)}"]
    if f.other_devices:
        out.append(f"3. {_icd(f, rng, 'none')} in situ")
    out += ["", "Hospital Course:",
            ("The patient presented with a focal seizure. MRI brain showed a cerebral cavernous malformation (CCM) without acute hemorrhage. "
            "Neurology started levetiracetam and neurosurgery recommended observation. Cardiology was consulted for heart failure management; "
            f"diuretics were adjusted and anticoagulation was avoided given the CCM.{' MRI was performed under the conditional protocol for the ' + _icd(f, rng, 'none') + ' in place.' if f.other_devices else ''}"),
            "", "Discharge Medications:", "- Levetiracetam 500 mg twice daily"] + [f"- {x}" for x in rng.sample(_MEDS[:8], k=3)] + [
            "", "Follow-up:", "- Neurosurgery clinic with repeat MRI in 6 months for CCM surveillance.", "- Heart failure clinic in 2 weeks."]
    return "\n".join(out)


# ------------------------------------------------------------------ entry point
_SPAN_RE = re.compile(r"\[[^\[\]\n]+\]\([A-Z_]+(?:\|[a-z]+)?(?:\|[a-z0-9=,]+)?\)")
_POCKET_RE = re.compile(r"\b((?:old |new |existing )?[Pp]ocket)\b")


def _tag_pockets(markup: str) -> str:
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
    extra = [_cap(x) for x in [_device_dx(f, kind, rng)] if x]
    if kind == "aborted":
        extra.append(f"{_sys(rng, '', None, 'hypothetical')} implant not completed ({_stop(f)})")
    if kind == "partial":
        extra.append(f"Incomplete {_sys(rng, 'none')} implant ({_stop(f)})")
    return _summary(f, kind, rng, _proc_item(f, kind, rng), _proc_prose(f, kind, rng), extra)


def render(facts: NoteFacts, rng: random.Random) -> str:
    return _tag_pockets(_render(facts, rng))


FAMILY = Family(
    name="discharge_summary",
    style="discharge_summary",
    description="Hospital discharge summary (admission/discharge dates, diagnoses, procedures this admission, "
                "hospital course narrating the procedure among diuresis and labs, medications, follow-up); "
                "outpatient device-clinic, consultation and primary-care summaries for non-procedure sessions.",
    render=render,
)
