"""Cath-lab / EP-lab nursing and device-rep procedure log: time-stamped entries,
hardware implanted/explanted lists with model and masked serial numbers, rep-entered
measurements and a sign-out line. Clinic visits are a device-rep interrogation
printout summary with free-text rep comments."""

from __future__ import annotations

import random
import re

from corpus.facts import Lead, NoteFacts, OtherDevice
from corpus.families import Family
from corpus.markup import parse

APPROACH = ("VENOUS_ACCESS", "POCKET", "IMAGING", "LEAD_POSITION")


def sp(text: str, label: str, action: str | None = None, *flags: str) -> str:
    if flags:
        return f"[{text}]({label}|{action or 'none'}|{','.join(flags)})"
    if action and action != "none":
        return f"[{text}]({label}|{action})"
    return f"[{text}]({label})"


def neg(text: str, label: str) -> str:
    return sp(text, label, "none", "negated")


NUM = {1: "one", 2: "two", 3: "three", 4: "four"}
RN = ["K. Obi RN", "M. Sato RN", "T. Greer RN", "L. Dupont RN", "A. Varga RN", "J. Mensah CVT", "R. Kline RN"]
REPS = ["Impulse Dynamics CCM specialist", "IDx field clinical engineer", "Impulse Dynamics rep"]
_BARE = re.compile(r"(?i)\b(?:pocket|fluoroscopy|fluoro|venogram)\b(?!:)(?! (?:infection|revision|relocation|hematoma|time|only))")


def _mark_bare(m: str) -> str:
    out = []
    for seg in parse(m):
        if seg.attrs is not None:
            a = seg.attrs
            fl = [n for n in ("negated", "historical", "hypothetical") if getattr(a, n)]
            if a.count != 1:
                fl.append(f"count={a.count}")
            out.append(sp(seg.text, a.label, None if a.label in APPROACH and not fl else a.action, *fl))
        else:
            out.append(_BARE.sub(lambda x: sp(x.group(0), "POCKET" if x.group(0).lower() == "pocket" else "IMAGING"),
                                 seg.text))
    return "".join(out)


class Clock:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.t = rng.randrange(7 * 60 + 20, 13 * 60)

    def __call__(self, lo: int = 2, hi: int = 9) -> str:
        self.t += self.rng.randrange(lo, hi)
        return f"{self.t // 60:02d}:{self.t % 60:02d}"


def _lname(ld: Lead, rng: random.Random, old: bool = False) -> tuple[str, str]:
    pre = rng.choice(["old ", "chronic ", "existing "]) if old else ""
    if ld.chamber == "atrial":
        return pre + rng.choice(["RA lead", "atrial lead", "RA sensing lead"]), "ATRIAL_LEAD"
    if ld.channel.startswith("lead"):
        n = ld.channel.split()[-1]
        return rng.choice([(pre + f"lead #{n}", "LEAD"), (pre + f"RV lead #{n}", "VENTRICULAR_LEAD")])
    return pre + rng.choice([f"{ld.channel} lead", f"{ld.channel} septal lead", f"{ld.channel} RV lead"]), \
        "VENTRICULAR_LEAD"


def _L(ld: Lead, rng: random.Random, action: str, old: bool = False, *flags: str) -> str:
    t, lab = _lname(ld, rng, old)
    return sp(t, lab, action, *flags)


def _acc(f: NoteFacts, rng: random.Random, side: str | None = None) -> str:
    side = (side or f.side).capitalize()
    if f.access == "axillary":
        return sp(rng.choice([f"{side} axillary", f"{side} axillary vein"]), "VENOUS_ACCESS") + " access obtained"
    if f.access == "subclavian":
        return sp(rng.choice([f"{side} subclavian", f"{side} subclavian vein"]), "VENOUS_ACCESS") + " access obtained"
    return sp(f"{side} cephalic vein cutdown", "VENOUS_ACCESS") + " performed by MD"


def _icd(od: OtherDevice, rng: random.Random, action: str, *flags: str) -> str:
    return sp(rng.choice([od.kind, f"{od.maker} {od.kind}", f"{od.side} {od.kind}"]), "OTHER_DEVICE", action, *flags)


def _head(f: NoteFacts, rng: random.Random, title: str) -> list[str]:
    return [title,
            f"Date: {rng.randrange(1, 13)}/{rng.randrange(1, 29)}/{rng.choice([23, 24, 25])}   "
            f"Lab: {rng.choice(['EP Lab 1', 'EP Lab 2', 'Cath Lab 3', 'EP Lab B'])}   "
            f"Pt: {f.age}{'M' if f.sex == 'male' else 'F'}   Allergies: {rng.choice(['NKDA', 'PCN (rash)', 'iodine', 'NKDA'])}",
            ""]


def _opening(f: NoteFacts, rng: random.Random, clk: Clock, side: str) -> list[str]:
    sed = {"moderate sedation": "Moderate sedation per RN: midazolam 1 mg IV, fentanyl 25 mcg IV",
           "conscious sedation": "Conscious sedation started: midazolam 2 mg IV, fentanyl 50 mcg IV",
           "monitored anesthesia care": "MAC by anesthesia, propofol infusion",
           "general anesthesia": "GA induced by anesthesia, ETT placed"}[f.sedation]
    out = [f"{clk()} Pt in room, ID band/consent/site verified. Monitors on, pads placed.",
           f"{clk()} Time-out completed, all in agreement.",
           f"{clk()} {sed}.",
           f"{clk()} " + rng.choice(["Cefazolin 2 g IV infusing", "Vancomycin 1.5 g IV started (PCN allergy)",
                                     "Cefazolin 2 g IV given"]) + ".",
           f"{clk()} {side.capitalize()} chest prepped with ChloraPrep, sterile drape applied.",
           f"{clk()} Lidocaine 1% {rng.choice([10, 15, 20, 30])} mL local by MD."]
    return out


def _close(f: NoteFacts, rng: random.Random, clk: Clock, pocket: bool = True) -> list[str]:
    out = []
    if pocket:
        out.append(f"{clk(3, 8)} Pocket irrigated with antibiotic solution. Closure started "
                   + rng.choice(["(2-0/3-0 Vicryl, 4-0 Monocryl).", "in layers.", "- 3 layers."]))
    out.append(f"{clk(8, 14)} " + rng.choice(["Dermabond and Tegaderm applied.", "Steri-strips, gauze, pressure dressing.",
                                              "Skin glue applied, dressing clean/dry/intact."]))
    out.append(f"{clk(3, 7)} Pt out of room to {rng.choice(['recovery', 'PACU', 'CVU'])}, VSS, "
               f"{rng.choice(['alert', 'drowsy but arousable', 'awake, no complaints'])}.")
    return out


# ---------------------------------------------------------------- CCM log

def _ccm_log(f: NoteFacts, rng: random.Random) -> str:
    s = f.scenario
    newg, oldg, icd, st = f.new_generator, f.old_generator, f.icd, f.settings
    ins = f.leads_with("inserted")
    clk = Clock(rng)
    proc = {
        "S1": "CCM implant", "S2": "CCM implant w/ RA lead", "S3": "CCM implant (ICD in situ)",
        "S4": "CCM generator implant (staged)", "S5": "CCM generator change", "S6": "CCM RA lead add",
        "S7": "CCM lead revision", "S8": "CCM lead revision", "S9": "CCM lead revision", "S10": "CCM lead revision",
        "S11": "CCM lead revision", "S12": "CCM gen change + lead revision", "S13": "CCM system extraction",
        "S14": "CCM pocket revision", "S19": "CCM implant", "S20": "CCM implant",
        "S21": "CCM-D implant (OPTIMIZER Integra)", "S22": "CCM system replacement", "S23": "CCM implant, left side",
    }[s]
    lines = _head(f, rng, rng.choice(["EP LAB NURSING PROCEDURE LOG", "CARDIAC CATH/EP LAB - INTRAPROCEDURE RECORD",
                                      "EP Procedure Nursing Record"]))
    lines.append(f"Scheduled procedure: {proc}")
    lines.append(f"Staff: {rng.choice(RN)} (circ), {rng.choice(RN)} (sedation), {rng.choice(RN)} (scrub); "
                 f"{rng.choice(REPS)} present")
    lines.append("")
    lines.append("TIMELINE")
    ev = _opening(f, rng, clk, f.side)
    if icd:
        ev.insert(3, f"{clk(1, 3)} {icd.maker} rep: tachy therapies of {_icd(icd, rng, 'retained')} "
                     f"programmed OFF. Pt on external defib pads.")
    if s == "S19":
        acc = sp(f"{f.side} {f.access if f.access != 'cephalic' else 'cephalic'} vein", "VENOUS_ACCESS")
        ev.append(f"{clk(3, 8)} Attempting {acc} access under {sp('fluoroscopy', 'IMAGING')}.")
        if f.venogram or "venogram" in (f.stop_reason or ""):
            ev.append(f"{clk()} {sp('Venogram', 'IMAGING')} performed, contrast {rng.choice([10, 15, 20])} mL.")
        ev.append(f"{clk(5, 15)} Procedure aborted per MD: {f.stop_reason.replace('venogram', sp('venogram', 'IMAGING'))}.")
        ev.append(f"{clk()} {neg('No leads', 'LEAD')} placed, {neg('no generator', 'PULSE_GENERATOR')} opened. "
                  f"Manual pressure to site.")
        ev += _close(f, rng, clk, pocket=False)
    else:
        pocket_new = not oldg or (oldg.fate == "untouched")
        pk = sp(f"{f.side} {f.pocket} pocket", "POCKET")
        if ins:
            if f.venogram:
                ev.append(f"{clk(1, 3)} {sp('Venogram', 'IMAGING')} via {f.side[0].upper()} antecubital IV, "
                          f"{rng.choice([10, 15, 20])} mL contrast.")
            if f.access == "cephalic":
                ev.append(f"{clk(3, 8)} Incision. {_acc(f, rng)}.")
            else:
                ev.append(f"{clk(3, 8)} {_acc(f, rng)} under {sp('fluoroscopy', 'IMAGING')}.")
        if pocket_new:
            ev.append(f"{clk()} {pk} created by MD.")
        else:
            ev.append(f"{clk()} Old incision opened, {pk} entered.")
        if oldg and oldg.fate == "removed":
            ev.append(f"{clk()} {sp(oldg.model + ' generator', 'PULSE_GENERATOR', 'removed')} out of pocket, "
                      f"disconnected, handed off (to rep for return).")
        elif oldg and oldg.fate == "retained":
            ev.append(f"{clk()} {sp('Generator', 'PULSE_GENERATOR', 'retained')} delivered from pocket, "
                      f"leads disconnected.")
        for ld in f.leads:
            if ld.fate == "retained":
                ev.append(f"{clk(1, 4)} Rep tested {_L(ld, rng, 'retained', True)}: {ld.sensing_mv} mV / "
                          f"{ld.impedance_ohm} ohm / {ld.threshold_v} V. OK to reuse.")
            elif ld.fate == "removed":
                ev.append(f"{clk(6, 15)} {_L(ld, rng, 'removed', True)} "
                          + rng.choice(["extracted, tip intact.", "removed with locking stylet, intact.",
                                        "freed and pulled, intact per MD."]))
            elif ld.fate == "abandoned":
                ev.append(f"{clk(2, 6)} {_L(ld, rng, 'abandoned', True)} "
                          + rng.choice(["capped and left in pocket per MD.", "capped/abandoned.",
                                        "abandoned - cap placed, sutured down."]))
            elif ld.fate == "repositioned":
                ev.append(f"{clk(6, 15)} {_L(ld, rng, 'repositioned', True)} repositioned to "
                          f"{sp(ld.position, 'LEAD_POSITION')}. Rep: {ld.sensing_mv} mV / {ld.impedance_ohm} ohm.")
        for i, ld in enumerate(ins):
            ev.append(f"{clk(6, 16)} {_L(ld, rng, 'inserted')} ({ld.model}) fixed at "
                      f"{sp(ld.position, 'LEAD_POSITION')}. Rep: "
                      f"{'R' if ld.chamber == 'ventricular' else 'P'} {ld.sensing_mv} mV, {ld.impedance_ohm} ohm, "
                      f"thr {ld.threshold_v} V.")
        if s == "S20":
            ev.append(f"{clk(3, 9)} MD stopped case before generator: {f.stop_reason}. "
                      f"{sp('Lead ends', 'LEAD', 'inserted', *(['count=2'] if len(ins) == 2 else []))} capped, "
                      f"coiled in pocket. {neg('Generator', 'PULSE_GENERATOR')} not implanted.")
        if newg:
            ev.append(f"{clk(3, 9)} {sp(newg.model + (' IPG' if 'Integra' not in newg.model else ''), 'PULSE_GENERATOR', 'inserted')}"
                      f" opened, connected by MD, set screws checked.")
            ev.append(f"{clk(2, 6)} Rep CCM test {st.amplitude_v} V: "
                      + rng.choice(["no ECS, pt denies sensation.", "no diaphragm/pectoral stim.", "no sensation reported."]))
        if oldg and oldg.fate == "retained":
            ev.append(f"{clk(2, 6)} {sp('Leads', 'LEAD', 'retained', 'count=%d' % len(f.leads_with('retained', 'repositioned')))}"
                      f" reconnected to {sp('generator', 'PULSE_GENERATOR', 'retained')}; CCM delivery confirmed.")
        if oldg and oldg.fate == "repositioned":
            ev.append(f"{clk(6, 14)} {sp(f.new_pocket, 'POCKET')} made; {sp('generator', 'PULSE_GENERATOR', 'repositioned')}"
                      f" moved into it, {sp('leads', 'LEAD', 'retained', 'count=%d' % len(f.leads))} untouched.")
        if s == "S13":
            ev.append(f"{clk()} Capsule debrided. Pocket cultures x2 to lab.")
        if icd:
            ev.append(f"{clk(1, 3)} {icd.maker} rep: {_icd(icd, rng, 'retained')} therapies back ON, confirmed.")
        ev += _close(f, rng, clk)
    lines += ev
    lines.append("")

    # hardware
    imp, exp = [], []
    if newg:
        imp.append(sp(newg.model + (" generator" if rng.random() < 0.5 else " IPG"), "PULSE_GENERATOR", "inserted")
                   + "   SN ****")
    for ld in ins:
        imp.append(sp(f"{ld.model} lead", "LEAD", "inserted") + f"   SN ****   ({_L(ld, rng, 'inserted')})")
    if oldg and oldg.fate == "removed":
        exp.append(sp(oldg.model + " generator", "PULSE_GENERATOR", "removed") + "   SN ****"
                   + (f"   reason: {oldg.reason}" if oldg.reason else ""))
    for ld in f.leads_with("removed"):
        exp.append(sp(f"{ld.model} lead", "LEAD", "removed") + f"   SN ****   ({_L(ld, rng, 'removed', True)})")
    lines.append("HARDWARE IMPLANTED:")
    lines += [f"  - {x}" for x in imp] or ["  - none"]
    lines.append("HARDWARE EXPLANTED:")
    lines += [f"  - {x}" for x in exp] or ["  - none"]
    if f.leads_with("abandoned"):
        lines.append("ABANDONED (capped): " + ", ".join(_L(ld, rng, "abandoned", True) for ld in f.leads_with("abandoned")))
    lines.append("")

    meas = [ld for ld in f.leads if ld.fate in ("inserted", "retained", "repositioned")]
    if meas or newg:
        lines.append(f"REP-ENTERED MEASUREMENTS ({rng.choice(REPS)}):")
        for ld in meas:
            lines.append(f"  {_L(ld, rng, ld.fate, ld.fate != 'inserted')}: "
                         f"{'R' if ld.chamber == 'ventricular' else 'P'} {ld.sensing_mv} mV | {ld.impedance_ohm} ohm | "
                         f"thr {ld.threshold_v} V @ 0.5 ms")
        if newg or (oldg and oldg.fate in ("retained", "repositioned")):
            lines.append(f"  CCM: {st.amplitude_v} V, train delay {st.train_delay_ms} ms, {st.hours_per_day} h/day; "
                         f"programmer {st.programmer}; {st.charger} " + rng.choice(["issued", "given to pt w/ teaching",
                                                                                    "dispensed"]))
        lines.append("")
    lines.append(f"Fluoro time: {f.fluoro_min if (ins or f.leads_with('removed', 'repositioned') or s == 'S19') else 0.0} min"
                 f"   Contrast: {rng.choice([0, 10, 15]) if f.venogram else 0} mL   EBL: "
                 f"{rng.choice(['<10', '10', '15', '20'])} mL")
    if s == "S20":
        lines.append(f"Note: return for {sp('generator', 'PULSE_GENERATOR', 'none', 'hypothetical')} as staged case.")
    if s == "S19":
        lines.append(f"Note: {sp('CCM implant', 'CCM_SYSTEM', 'none', 'hypothetical')} to be rescheduled per MD.")
    lines.append(f"Sign-out: sponge/needle/sharps counts correct x2; "
                 f"{'cultures to lab; ' if s == 'S13' else ''}{'explant to rep; ' if exp else ''}"
                 f"report to {rng.choice(['recovery RN', 'PACU RN', 'CVU RN'])}. {rng.choice(RN)}")
    return "\n".join(lines)


# ---------------------------------------------------------------- other notes

def _other_log(f: NoteFacts, rng: random.Random) -> str:
    od = next((o for o in f.other_devices if o.work != "none"), f.other_devices[-1])
    k, w, side = od.kind, od.work, od.side
    g = f.old_generator
    clk = Clock(rng)
    lines = _head(f, rng, rng.choice(["EP LAB NURSING PROCEDURE LOG", "EP Procedure Nursing Record"]))
    lines.append(f"Scheduled procedure: {k} {w}")
    lines.append(f"Staff: {rng.choice(RN)} (circ), {rng.choice(RN)} (scrub); {od.maker} rep present")
    lines += ["", "TIMELINE"]
    ev = _opening(f, rng, clk, side)
    if g:
        ev.insert(3, f"{clk(1, 3)} IDx rep: {sp(g.model, 'CCM_SYSTEM', 'retained')} "
                     f"{sp('CCM therapy', 'CCM_SYSTEM', 'retained')} turned off for case.")
    imp, exp = [], []
    if k == "leadless pacemaker":
        ev.append(f"{clk()} {sp('Right femoral vein', 'VENOUS_ACCESS')} access, US guided; 27 Fr sheath.")
        ev.append(f"{clk(8, 15)} {sp('Leadless pacemaker', 'OTHER_DEVICE', 'inserted')} deployed under "
                  f"{sp('fluoroscopy', 'IMAGING')}, tug test x2. Rep: R {rng.randrange(7, 15)} mV.")
        imp.append(sp(f"{od.maker} leadless pacemaker", "OTHER_DEVICE", "inserted"))
    elif k == "loop recorder":
        ev.append(f"{clk()} Small incision L parasternal; {sp('loop recorder', 'OTHER_DEVICE', 'inserted')} inserted.")
        imp.append(sp(f"{od.maker} ICM", "OTHER_DEVICE", "inserted"))
    elif k == "Port-A-Cath":
        ev.append(f"{clk()} {sp('R internal jugular vein', 'VENOUS_ACCESS')} accessed under ultrasound.")
        ev.append(f"{clk(6, 12)} {sp('Port', 'OTHER_DEVICE', 'inserted')} placed, "
                  f"{sp('catheter', 'OTHER_DEVICE', 'inserted')} tip at cavoatrial junction on {sp('fluoro', 'IMAGING')}.")
        imp.append(sp("implanted port", "OTHER_DEVICE", "inserted"))
    elif k in ("hypoglossal nerve stimulator", "baroreflex activation system"):
        ld = "stimulation lead" if k.startswith("hypo") else "carotid sinus lead"
        ev.append(f"{clk(10, 25)} {sp(ld, 'OTHER_DEVICE', 'inserted')} placed by surgeon, test stim OK.")
        ev.append(f"{clk(5, 12)} {sp(k + ' generator', 'OTHER_DEVICE', 'inserted')} connected in "
                  f"{sp('R chest pocket', 'POCKET')}.")
        imp += [sp(f"{od.maker} {k} IPG", "OTHER_DEVICE", "inserted"), sp(ld, "OTHER_DEVICE", "inserted")]
    elif w == "generator change":
        ev.append(f"{clk()} Old incision opened; {sp(f'old {k} generator', 'OTHER_DEVICE', 'removed')} removed, "
                  f"{sp('leads', 'OTHER_DEVICE', 'retained')} tested by rep OK.")
        ev.append(f"{clk(3, 8)} {sp(f'new {k} generator', 'OTHER_DEVICE', 'inserted')} connected.")
        imp.append(sp(f"{od.maker} {k} generator", "OTHER_DEVICE", "inserted"))
        exp.append(sp(f"{k} generator", "OTHER_DEVICE", "removed") + " (ERI)")
    elif w == "upgrade":
        ev.append(f"{clk()} Pocket opened, {sp('ICD generator', 'OTHER_DEVICE', 'removed')} out.")
        ev.append(f"{clk()} {_acc(f, rng, side)}; CS cannulated, {sp('CS venogram', 'IMAGING')}.")
        ev.append(f"{clk(10, 25)} {sp('LV lead', 'OTHER_DEVICE', 'inserted')} placed, no phrenic stim at 10 V.")
        ev.append(f"{clk(3, 8)} {sp('CRT-D generator', 'OTHER_DEVICE', 'inserted')} connected.")
        imp += [sp(f"{od.maker} CRT-D", "OTHER_DEVICE", "inserted"), sp("LV lead", "OTHER_DEVICE", "inserted")]
        exp.append(sp("ICD generator", "OTHER_DEVICE", "removed"))
    elif w == "lead revision":
        ev.append(f"{clk()} Pocket opened; {sp('old ICD lead', 'OTHER_DEVICE', 'abandoned')} capped per MD.")
        ev.append(f"{clk()} {_acc(f, rng, side)} under {sp('fluoroscopy', 'IMAGING')}.")
        ev.append(f"{clk(8, 18)} {sp('new RV ICD lead', 'OTHER_DEVICE', 'inserted')} fixed, rep R {rng.randrange(8, 20)} mV.")
        imp.append(sp(f"{od.maker} defibrillator lead", "OTHER_DEVICE", "inserted"))
    else:
        ev.append(f"{clk()} {_acc(f, rng, side)} under {sp('fluoroscopy', 'IMAGING')}.")
        ev.append(f"{clk()} Pocket created.")
        for ld in (["RA lead", "RV lead"] if "dual" in k else ["RV lead"]):
            ev.append(f"{clk(6, 14)} {sp(f'{k} {ld}', 'OTHER_DEVICE', 'inserted')} fixed. Rep values OK.")
            imp.append(sp(f"{od.maker} {ld}", "OTHER_DEVICE", "inserted") + "   SN ****")
        ev.append(f"{clk(3, 8)} {sp(f'{k} generator', 'OTHER_DEVICE', 'inserted')} connected.")
        imp.insert(0, sp(f"{od.maker} {k}", "OTHER_DEVICE", "inserted"))
    if g:
        ev.append(f"{clk(1, 4)} IDx rep: {sp('CCM device', 'CCM_SYSTEM', 'retained')} "
                  + ("interrogated, no changes, therapy back on." if f.evaluation == "interrogation"
                     else "therapy back on.")
                  + f" {sp('CCM leads', 'LEAD', 'retained', 'count=%d' % len(f.leads))} not touched.")
    ev += _close(f, rng, clk)
    lines += ev + ["", "HARDWARE IMPLANTED:"] + [f"  - {x}" + ("" if "SN" in x else "   SN ****") for x in imp]
    lines += ["HARDWARE EXPLANTED:"] + ([f"  - {x}   SN ****" for x in exp] or ["  - none"])
    lines.append("")
    lines.append(f"Sign-out: counts correct; report to recovery RN. {rng.choice(RN)}")
    return "\n".join(lines)


def _printout(f: NoteFacts, rng: random.Random) -> str:
    g, st = f.old_generator, f.settings
    prog = f.evaluation == "programming"
    lines = [rng.choice(["DEVICE INTERROGATION SUMMARY - CCM", "Impulse Dynamics Session Report (summary)",
                         "CCM INTERROGATION PRINTOUT"]),
             f"Session date: {rng.randrange(1, 13)}/{rng.randrange(1, 29)}/{rng.choice([23, 24, 25])}   "
             f"Pt: {f.age}{'M' if f.sex == 'male' else 'F'}   Location: device clinic", ""]
    lines.append(f"Device: {sp(g.model, 'CCM_SYSTEM', 'tested')}   SN ****"
                 + (f"   Implanted: {g.implant_year}" if g.implant_year else ""))
    lines.append(f"Programmer: {st.programmer}   Session: in person   Type: "
                 + ("interrogation + programming" if prog else "interrogation only"))
    lines.append(f"{sp('IPG', 'PULSE_GENERATOR', 'tested')} battery: {rng.choice(['OK', 'charged 100%', 'charged, recharge OK'])}")
    lines.append(f"CCM delivered (since last): {rng.randrange(80, 99)}%   Therapy: {st.hours_per_day} h/day")
    lines.append("")
    lines.append("LEADS")
    for ld in f.leads:
        lines.append(f"  {_L(ld, rng, 'tested')} ({sp(ld.position, 'LEAD_POSITION')}): "
                     f"{'R' if ld.chamber == 'ventricular' else 'P'} {ld.sensing_mv} mV, {ld.impedance_ohm} ohm")
    lines.append("")
    lines.append("PARAMETERS")
    lines.append(f"  CCM amplitude {st.amplitude_v} V | train delay {st.train_delay_ms} ms | "
                 f"charger {st.charger}")
    if prog:
        lines.append("CHANGES THIS SESSION")
        lines += [f"  * {c}" for c in f.programming_changes]
    else:
        lines.append("CHANGES THIS SESSION: none")
    lines.append("")
    com = []
    com.append(rng.choice(["Pt reports feeling better, walking farther.", "No complaints today.",
                           "Pt charging consistently."]))
    if prog:
        com.append("Changes made stepwise with sensation check after each; final settings tolerated.")
    else:
        com.append("Normal function, no reprogramming needed.")
    if f.icd:
        com.append(f"{_icd(f.icd, rng, 'none')} followed by its own clinic, not checked today.")
    lines.append("Rep comments: " + " ".join(com))
    lines.append(f"Reviewed by: {rng.choice(['MD', 'NP', 'device RN'])} ****")
    return "\n".join(lines)


def _consult_log(f: NoteFacts, rng: random.Random) -> str:
    clk = Clock(rng)
    lines = _head(f, rng, rng.choice(["DEVICE NURSE - PRE-IMPLANT EDUCATION LOG", "CCM Referral Nursing Intake Log"]))
    planned = f.planned or ""
    ev = [f"{clk()} Pt seen with family in HF clinic after EP consult (LVEF {f.ef}%, NYHA {f.nyha}, QRS {f.qrs_ms} ms).",
          f"{clk(5, 12)} Education given on {sp('CCM device', 'CCM_SYSTEM', 'none', 'hypothetical')}: "
          f"{sp('generator', 'PULSE_GENERATOR', 'none', 'hypothetical')} under the "
          f"{sp(f.side + ' collarbone', 'POCKET')}, weekly charging with the charger."]
    if "atrial" in planned:
        ev.append(f"{clk()} Explained planned {sp('RA lead', 'ATRIAL_LEAD', 'none', 'hypothetical')} plus "
                  f"{sp('two heart leads', 'VENTRICULAR_LEAD', 'none', 'hypothetical,count=2')} on the septum.")
    elif "septal" in planned:
        ev.append(f"{clk()} Explained {sp('two septal leads', 'VENTRICULAR_LEAD', 'none', 'hypothetical,count=2')}.")
    else:
        ev.append(f"{clk()} MD wants repeat echo first; implant decision after.")
    if f.icd:
        ev.append(f"{clk()} Pt has {_icd(f.icd, rng, 'none')}; informed both devices are followed.")
    ev.append(f"{clk(3, 9)} Pre-procedure instructions, NPO and medication holds reviewed. Questions answered.")
    lines += ev
    lines.append(f"Sign-out: {rng.choice(RN)}")
    return "\n".join(lines)


def _nondevice_log(f: NoteFacts, rng: random.Random) -> str:
    clk = Clock(rng)
    if f.ccm_meaning == "chronic care management":
        lines = _head(f, rng, "CHRONIC CARE MANAGEMENT (CCM) - RN CALL LOG")
        ev = [f"{clk()} Outbound call for monthly CCM check-in, pt identified x2.",
              f"{clk(3, 9)} Weight stable, no edema, taking meds as prescribed (EF {f.ef}%).",
              f"{clk(2, 6)} Pharmacy called re refill; appointment reminders given."]
        if f.icd:
            ev.append(f"{clk()} Confirmed {_icd(f.icd, rng, 'none')} remote monitor connected.")
        ev.append(f"{clk()} Care plan updated. CCM time this month: {rng.randrange(20, 45)} min.")
    else:
        lines = _head(f, rng, "NURSING TELEPHONE LOG")
        ev = [f"{clk()} Pt called re cardiology clearance for surgery on cerebral cavernous malformation (CCM).",
              f"{clk(3, 9)} Last echo EF {f.ef}%. Message routed to cardiologist."]
        if f.icd:
            ev.append(f"{clk()} Pt has {_icd(f.icd, rng, 'none')}; periop device plan needed.")
        ev.append(f"{clk()} Neurosurgery office notified; CCM resection date pending.")
    lines += ev
    lines.append(f"Sign-out: {rng.choice(RN)}")
    return "\n".join(lines)


def render(facts: NoteFacts, rng: random.Random) -> str:
    s = facts.scenario
    if s == "S15":
        note = _printout(facts, rng)
    elif s == "S24":
        note = _consult_log(facts, rng)
    elif s == "S18":
        note = _nondevice_log(facts, rng)
    elif s in ("S16", "S17"):
        note = _other_log(facts, rng)
    else:
        note = _ccm_log(facts, rng)
    return _mark_bare(note)


FAMILY = Family(
    name="nursing_device_log",
    style="nursing_log",
    description="EP-lab nursing / device-rep log: time-stamped entries, hardware implanted/explanted list with "
                "masked serials, rep-entered measurements, sign-out; clinic visits as a rep interrogation printout.",
    render=render,
)
