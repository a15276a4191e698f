"""Checkbox procedure record / visit form: "[x]" / "[ ]" boxes for procedure type,
side, access, components, "Completed components", "Hardware left in place", and a
short free-text operator comment. Unchecked component boxes are negated mentions."""

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


def box(on: bool) -> str:
    return "[x]" if on else "[ ]"


def neg(text: str, label: str) -> str:
    return sp(text, label, "none", "negated")


def opt(on: bool, text: str, label: str | None = None, action: str | None = None, *flags: str) -> str:
    """One checkbox option; unchecked component/approach options are negated."""
    if label is None:
        return f"{box(on)} {text}"
    if on:
        return f"{box(on)} {sp(text, label, action, *flags)}"
    return f"{box(on)} {neg(text, label)}"


NUM = {1: "one", 2: "two", 3: "three", 4: "four"}
INITIALS = ["JKM", "RTA", "LVP", "SBO", "MNC", "DWE", "AHG", "KPR", "TLS", "CEF"]


def _plain(m: str) -> str:
    return re.sub(r"\[([^\[\]\n]+)\]\([A-Z_]+(?:\|[a-z]+)?(?:\|[a-z0-9=,]+)?\)", r"\1", m)


def _table(rows: list[list[str]]) -> str:
    w = [max(len(_plain(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  " + " | ".join(c + " " * (w[i] - len(_plain(c))) for i, c in enumerate(r)).rstrip()
                     for r in rows)


def _date(rng: random.Random) -> str:
    return f"{rng.choice([2023, 2024, 2025])}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def _vis(fate: str, visit: bool = False) -> str:
    return ("tested" if visit else "retained") if fate == "untouched" else fate


def _lname(ld: Lead, rng: random.Random, old: bool = False) -> tuple[str, str]:
    pre = rng.choice(["old ", "chronic ", "existing "]) if old else ""
    if ld.chamber == "atrial":
        return pre + rng.choice(["RA lead", "atrial lead", "RA sense lead"]), "ATRIAL_LEAD"
    if ld.channel.startswith("lead"):
        n = ld.channel.split()[-1]
        return rng.choice([(pre + f"ventricular lead {n}", "VENTRICULAR_LEAD"), (pre + f"lead #{n}", "LEAD"),
                           (pre + f"RV lead #{n}", "VENTRICULAR_LEAD")])
    return pre + rng.choice([f"{ld.channel} lead", f"RV septal lead ({ld.channel})", f"{ld.channel} septal lead"]), \
        "VENTRICULAR_LEAD"


def _L(ld: Lead, rng: random.Random, action: str, old: bool = False, *flags: str) -> str:
    t, lab = _lname(ld, rng, old)
    return sp(t, lab, action, *flags)


def _access_opts(f: NoteFacts, used: bool) -> str:
    choices = [("axillary", "Axillary vein"), ("subclavian", "Subclavian vein"), ("cephalic", "Cephalic cutdown")]
    parts = [opt(used and f.access == k, t, "VENOUS_ACCESS") for k, t in choices]
    parts.append(f"{box(not used)} N/A (no venous access)")
    return "   ".join(parts)


def _icd(od: OtherDevice, rng: random.Random, action: str, *flags: str) -> str:
    return sp(rng.choice([od.kind, f"{od.maker} {od.kind}", f"{od.side} {od.kind}"]), "OTHER_DEVICE", action, *flags)


_BARE = re.compile(r"(?i)\b(?:pocket|fluoroscopy|venogram)\b(?!:)(?! (?:infection|revision|relocation|hematoma|only))")


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


def _header(f: NoteFacts, rng: random.Random, title: str, clinic: bool = False) -> list[str]:
    where = (f"Location: {rng.choice(['Device clinic', 'HF clinic', 'Cardiology clinic'])}" if clinic
             else f"Room: {rng.choice(['EP 1', 'EP 2', 'EP 3', 'Hybrid OR', 'Cath 4'])}")
    return [title, f"Date: {_date(rng)}    Pt: {f.age} {'M' if f.sex == 'male' else 'F'}    {where}", ""]


# ---------------------------------------------------------------- CCM procedure form

def _types(f: NoteFacts) -> list[str]:
    s = f.scenario
    on = {
        "new": s in ("S1", "S2", "S3", "S21", "S22", "S23", "S19", "S20"),
        "genonly": s == "S4",
        "genchg": s in ("S5", "S12", "S22"),
        "lead": s in ("S6", "S7", "S8", "S9", "S10", "S12"),
        "repo": s == "S11",
        "explant": s == "S13",
        "pocket": s == "S14",
    }
    new_act = "inserted" if s not in ("S19", "S20") else None
    new_flags = ("hypothetical",) if s in ("S19", "S20") else ()
    new = (f"{box(True)} New {sp('CCM system', 'CCM_SYSTEM', new_act, *new_flags)}" if on["new"]
           else f"{box(False)} New {neg('CCM system', 'CCM_SYSTEM')}")
    if s == "S21":
        new = f"{box(True)} New {sp('CCM-D system', 'CCM_SYSTEM', 'inserted')}"
    out = [new,
           f"{box(on['genonly'])} " + (sp("Generator", "PULSE_GENERATOR", "inserted") if on["genonly"]
                                       else neg("Generator", "PULSE_GENERATOR")) + " only (leads in place)",
           f"{box(on['genchg'])} " + (sp("Generator", "PULSE_GENERATOR", "inserted") if on["genchg"]
                                      else neg("Generator", "PULSE_GENERATOR")) + " change",
           f"{box(on['lead'])} " + (sp("Lead", "LEAD", "inserted") if on["lead"] else neg("Lead", "LEAD"))
           + " add/replace",
           f"{box(on['repo'])} " + (sp("Lead", "LEAD", "repositioned") if on["repo"] else neg("Lead", "LEAD"))
           + " reposition",
           f"{box(on['explant'])} System explant",
           f"{box(on['pocket'])} Pocket revision/relocation"]
    return out


def _ccm_form(f: NoteFacts, rng: random.Random) -> str:
    s = f.scenario
    newg, oldg, icd = f.new_generator, f.old_generator, f.icd
    ins = f.leads_with("inserted")
    venous = bool(ins) or s == "S19"
    lines = _header(f, rng, rng.choice(["CARDIAC DEVICE PROCEDURE RECORD", "EP LAB PROCEDURE RECORD - DEVICE",
                                        "Implantable Device Procedure Form"]))
    t = _types(f)
    lines.append("Procedure type:")
    lines.append("  " + "   ".join(t[:4]))
    lines.append("  " + "   ".join(t[4:]))
    status = "Aborted" if s == "S19" else "Partial" if s == "S20" else "Completed"
    lines.append("Status: " + "   ".join(f"{box(status == x)} {x}" for x in ("Completed", "Partial", "Aborted")))
    lines.append(f"Side: {box(f.side == 'right')} Right   {box(f.side == 'left')} Left")
    lines.append("Access: " + _access_opts(f, venous))
    img_on = venous or bool(f.leads_with("repositioned", "removed"))
    lines.append("Imaging: " + opt(img_on, "Fluoroscopy", "IMAGING")
                 + (f" ({f.fluoro_min} min)" if img_on else "") + "   "
                 + opt(venous and f.venogram, "Venogram", "IMAGING"))
    sed = f.sedation
    lines.append("Anesthesia: " + "   ".join(
        f"{box(sed == k or (k == 'moderate sedation' and sed == 'conscious sedation'))} {lab}"
        for k, lab in (("moderate sedation", "Moderate sedation"), ("monitored anesthesia care", "MAC"),
                       ("general anesthesia", "General"))) + "   [x] Local lidocaine")
    pk = f"{f.side} {f.pocket} pocket"
    lines.append("Pocket: " + sp(pk, "POCKET") + ("  (new)" if not oldg else "  (existing)"))
    lines.append("")

    # components placed this case
    lines.append("Components placed this case:")
    gen_on = newg is not None
    gtxt = f"{newg.model} generator" if newg else "Pulse generator"
    lines.append("  " + opt(gen_on, gtxt, "PULSE_GENERATOR", "inserted" if gen_on else None))
    vins = [x for x in ins if x.chamber == "ventricular"]
    ains = [x for x in ins if x.chamber == "atrial"]
    for ld in vins:
        lines.append("  " + box(True) + " " + _L(ld, rng, "inserted") + " - " + sp(ld.position, "LEAD_POSITION")
                     + f" - {ld.model}")
    if not vins:
        lines.append("  " + opt(False, "RV septal lead(s)", "VENTRICULAR_LEAD"))
    for ld in ains:
        lines.append("  " + box(True) + " " + _L(ld, rng, "inserted") + " - " + sp(ld.position, "LEAD_POSITION")
                     + f" - {ld.model}")
    if not ains:
        lines.append("  " + opt(False, rng.choice(["RA lead", "Atrial lead"]), "ATRIAL_LEAD"))
    lines.append("")

    # completed / removed / left in place
    done = []
    if newg:
        done.append(sp("generator", "PULSE_GENERATOR", "inserted"))
    if vins:
        n = len(vins)
        done.append(sp(f"{n} ventricular lead" + ("s" if n > 1 else ""), "VENTRICULAR_LEAD", "inserted",
                       *(["count=%d" % n] if n > 1 else [])))
    if ains:
        done.append(sp("atrial lead", "ATRIAL_LEAD", "inserted"))
    for ld in f.leads_with("repositioned"):
        done.append(_L(ld, rng, "repositioned", True) + " repositioned")
    if oldg and oldg.fate == "repositioned":
        done.append(sp("generator", "PULSE_GENERATOR", "repositioned") + " moved to " + sp(f.new_pocket, "POCKET"))
    if oldg and oldg.fate == "removed":
        done.append(sp("old generator", "PULSE_GENERATOR", "removed") + " explanted")
    for ld in f.leads_with("removed"):
        done.append(_L(ld, rng, "removed", True) + " extracted")
    lines.append("Completed components: " + (", ".join(done) if done else "none"))
    left = []
    if oldg and oldg.fate == "retained":
        left.append(sp(f"{oldg.model} generator", "PULSE_GENERATOR", "retained"))
    for ld in f.leads_with("retained"):
        left.append(_L(ld, rng, "retained", True))
    for ld in f.leads_with("abandoned"):
        left.append(_L(ld, rng, "abandoned", True) + " (capped, abandoned)")
    if icd:
        left.append(_icd(icd, rng, "retained"))
    lines.append("Hardware left in place: " + (", ".join(left) if left else "none"))
    if s in ("S5", "S12", "S13", "S22") or f.leads_with("removed"):
        rem = []
        if oldg and oldg.fate == "removed":
            rem.append(sp(f"{oldg.model} generator", "PULSE_GENERATOR", "removed")
                       + (f" ({oldg.reason})" if oldg.reason else ""))
        for ld in f.leads_with("removed"):
            rem.append(_L(ld, rng, "removed", True))
        lines.append("Hardware removed: " + (", ".join(rem) if rem else "none"))
    lines.append("")

    # measurements
    meas = [ld for ld in f.leads if ld.fate in ("inserted", "retained", "repositioned")]
    if meas:
        rows = [["Lead", "Sensing", "Impedance", "Threshold"]]
        for ld in meas:
            rows.append([_L(ld, rng, ld.fate, ld.fate != "inserted"), f"{ld.sensing_mv} mV", f"{ld.impedance_ohm} ohm",
                         f"{ld.threshold_v} V @ 0.5 ms"])
        lines.append("Measurements:")
        lines.append(_table(rows))
    st = f.settings
    if newg or (oldg and oldg.fate in ("retained", "repositioned")):
        lines.append(f"CCM test: [x] Delivered at {st.amplitude_v} V, train delay {st.train_delay_ms} ms   "
                     f"{box(True)} No extracardiac stimulation   Programmer: {st.programmer}")
    lines.append("Closure: " + "   ".join([f"{box(True)} Layered absorbable", f"{box(rng.random() < 0.5)} Skin glue",
                                           f"{box(rng.random() < 0.3)} Pressure dressing", f"{box(False)} Drain"]))
    comp_none = s not in ("S19", "S20")
    lines.append("Complications: " + "   ".join([f"{box(comp_none)} None", f"{box(False)} Hematoma",
                                                 f"{box(False)} Pneumothorax", f"{box(not comp_none)} Other (see comment)"]))
    lines.append(f"EBL: {rng.choice(['<10', '10', '15', '20', '<25'])} mL")
    lines.append("")

    # operator comment
    c: list[str] = []
    if s == "S19":
        c.append(f"Case stopped: {f.stop_reason.replace('venogram', sp('venogram', 'IMAGING'))}.")
        c.append(rng.choice([f"{neg('No leads', 'LEAD')} or {neg('generator', 'PULSE_GENERATOR')} placed.",
                             f"{neg('No lead', 'LEAD')} advanced; {neg('generator', 'PULSE_GENERATOR')} not opened.",
                             f"Nothing implanted ({neg('no leads', 'LEAD')}, {neg('no generator', 'PULSE_GENERATOR')})."]))
        c.append(f"Will reschedule {sp('CCM implant', 'CCM_SYSTEM', 'none', 'hypothetical')}.")
    elif s == "S20":
        n = len(ins)
        c.append(f"{sp(('Both leads' if n == 2 else 'Lead'), 'LEAD', 'inserted', *(['count=2'] if n == 2 else []))} "
                 f"in good position; stopped before the generator ({f.stop_reason}).")
        c.append(f"Lead pins capped in pocket. {sp('Generator', 'PULSE_GENERATOR', 'none', 'hypothetical')} "
                 f"to be placed at a staged procedure.")
    else:
        if vins and len(vins) == 2:
            c.append(rng.choice(["Two septal positions at least 2 cm apart.", "Septal positions confirmed RAO/LAO.",
                                 "Good current of injury on both."]))
        if s == "S4":
            c.append(f"Staged case: {sp('new generator', 'PULSE_GENERATOR', 'inserted')} connected to "
                     f"{sp('leads placed earlier', 'LEAD', 'retained', 'count=%d' % len(f.leads))} "
                     f"({newg.reason}).")
        if s == "S5":
            c.append(f"{sp('Generator', 'PULSE_GENERATOR', 'removed')} at {oldg.reason}; "
                     f"{sp('leads', 'LEAD', 'retained', 'count=%d' % len(f.leads))} tested fine and reused.")
        if s == "S7":
            c.append(f"{_L(f.leads_with('abandoned')[0], rng, 'abandoned', True)} undersensing; capped and left, "
                     f"{sp('new RA lead', 'ATRIAL_LEAD', 'inserted')} placed.")
        if s in ("S8", "S9", "S10", "S12"):
            for ld in f.leads_with("abandoned", "removed"):
                verb = "extracted with locking stylet" if ld.fate == "removed" else rng.choice(
                    ["capped and buried in pocket", "capped, left in place"])
                c.append(f"{_L(ld, rng, ld.fate, True)} {verb}.")
        if s == "S11":
            ld = f.leads_with("repositioned")[0]
            c.append(f"{_L(ld, rng, 'repositioned', True)} had dislodged; pulled back and re-fixed at "
                     f"{sp(ld.position, 'LEAD_POSITION')}.")
        if s == "S13":
            c.append(f"Entire {sp('CCM system', 'CCM_SYSTEM', 'removed')} removed for {oldg.reason}. "
                     f"Capsulectomy, cultures sent.")
        if s == "S14":
            c.append(f"{sp('Generator', 'PULSE_GENERATOR', 'repositioned')} relocated to {sp(f.new_pocket, 'POCKET')}; "
                     f"{sp('leads', 'LEAD', 'retained', 'count=%d' % len(f.leads))} untouched apart from freeing.")
        if s == "S21":
            c.append("Integra CCM-D: tachy detection programmed on, no DFT performed.")
        if s == "S22":
            c.append("Whole system replaced.")
        if icd:
            c.append(rng.choice([f"{_icd(icd, rng, 'retained')} therapies off during case, back on at end.",
                                 f"Magnet on {_icd(icd, rng, 'retained')} during cautery."]))
        c.append(rng.choice(["Uncomplicated.", "No issues.", "Tolerated well.", ""]))
    lines.append("Operator comment: " + " ".join(x for x in c if x))
    lines.append(f"Signed: Dr. {rng.choice(INITIALS)}   RN: {rng.choice(INITIALS)}")
    return "\n".join(lines)


# ---------------------------------------------------------------- other forms

def _other_form(f: NoteFacts, rng: random.Random) -> str:
    od = next((o for o in f.other_devices if o.work != "none"), f.other_devices[-1])
    k, w = od.kind, od.work
    g = f.old_generator
    lines = _header(f, rng, rng.choice(["CARDIAC DEVICE PROCEDURE RECORD", "Implantable Device Procedure Form"]))
    lines.append(f"Device worked on: {sp(od.maker + ' ' + k, 'OTHER_DEVICE', 'inserted' if od.fate == 'inserted' else 'retained')}")
    lines.append("Procedure type: " + "   ".join(
        f"{box(w == x)} {lab}" for x, lab in (("new implant", "New implant"), ("generator change", "Replacement"),
                                              ("lead revision", "Revision"), ("upgrade", "Upgrade"))))
    lines.append(f"Side: {box(od.side == 'right')} Right   {box(od.side == 'left')} Left")
    transvenous = k not in ("loop recorder", "spinal cord stimulator", "vagus nerve stimulator",
                            "hypoglossal nerve stimulator", "baroreflex activation system", "Port-A-Cath",
                            "leadless pacemaker") and w != "generator change"
    if k == "leadless pacemaker":
        lines.append("Access: " + box(True) + " " + sp("Femoral vein", "VENOUS_ACCESS") + " (right)")
    elif k == "Port-A-Cath":
        lines.append("Access: " + box(True) + " " + sp("Internal jugular vein", "VENOUS_ACCESS") + " (right)")
    else:
        f2 = f
        lines.append("Access: " + _access_opts(f2, transvenous))
    lines.append("Imaging: " + opt(transvenous or k in ("leadless pacemaker", "Port-A-Cath"), "Fluoroscopy", "IMAGING"))
    lines.append("")
    placed, removed, left, comment = [], [], [], []
    if k == "leadless pacemaker":
        placed.append(sp("leadless pacemaker", "OTHER_DEVICE", "inserted"))
        comment.append("Deployed mid septum, tug test x2 good, figure-of-eight at groin.")
    elif k == "loop recorder":
        placed.append(sp("loop recorder", "OTHER_DEVICE", "inserted"))
        comment.append("Left parasternal insertion, R waves adequate.")
    elif k == "Port-A-Cath":
        placed += [sp("port", "OTHER_DEVICE", "inserted"), sp("tunneled catheter", "OTHER_DEVICE", "inserted")]
        comment.append("Tip at cavoatrial junction. Flushes and draws.")
    elif k == "hypoglossal nerve stimulator":
        placed += [sp("stimulation lead", "OTHER_DEVICE", "inserted"), sp("sensing lead", "OTHER_DEVICE", "inserted"),
                   sp("IPG", "OTHER_DEVICE", "inserted")]
        comment.append("Good tongue protrusion on test stimulation.")
    elif k == "baroreflex activation system":
        placed += [sp("carotid sinus lead", "OTHER_DEVICE", "inserted"), sp("BAT generator", "OTHER_DEVICE", "inserted")]
        comment.append("Mapped right carotid sinus, BP drop on test.")
    elif w == "generator change":
        placed.append(sp(f"new {k} generator", "OTHER_DEVICE", "inserted"))
        removed.append(sp(f"old {k} generator", "OTHER_DEVICE", "removed"))
        left.append(sp(f"{k} leads", "OTHER_DEVICE", "retained"))
        comment.append(rng.choice(["ERI. Leads checked, reconnected.", "Battery at end of service; swap uneventful."]))
    elif w == "upgrade":
        placed += [sp("CRT-D generator", "OTHER_DEVICE", "inserted"), sp("LV lead", "OTHER_DEVICE", "inserted")]
        removed.append(sp("ICD generator", "OTHER_DEVICE", "removed"))
        left.append(sp("RA and RV ICD leads", "OTHER_DEVICE", "retained"))
        comment.append("CS venogram, LV lead lateral branch, no phrenic capture.".replace(
            "venogram", sp("venogram", "IMAGING")))
    elif w == "lead revision":
        placed.append(sp("new RV ICD lead", "OTHER_DEVICE", "inserted"))
        left.append(sp("old ICD lead", "OTHER_DEVICE", "abandoned") + " (capped)")
        left.append(sp("ICD generator", "OTHER_DEVICE", "retained"))
        comment.append("Noisy lead capped, new lead septal, DFT not done.")
    else:
        placed.append(sp(f"{k} generator", "OTHER_DEVICE", "inserted"))
        if "dual" in k:
            placed += [sp("RA lead", "OTHER_DEVICE", "inserted"), sp("RV lead", "OTHER_DEVICE", "inserted")]
        else:
            placed.append(sp("RV lead", "OTHER_DEVICE", "inserted"))
        comment.append("Leads with good sensing and thresholds.")
    if g:
        left.append(sp(f"{g.model}", "CCM_SYSTEM", "retained") + " ("
                    + sp("CCM generator", "PULSE_GENERATOR", "retained") + " and "
                    + sp(f"{NUM[len(f.leads)]} CCM leads", "LEAD", "retained", "count=%d" % len(f.leads)) + ")")
        comment.append(rng.choice(["CCM therapy off during case, restored after.", "CCM paused during the case."]))
        if f.evaluation == "interrogation":
            comment.append(f"{sp('CCM device', 'CCM_SYSTEM', 'retained')} interrogated post-op, no changes.")
    lines.append("Completed components: " + (", ".join(placed) or "none"))
    if removed:
        lines.append("Hardware removed: " + ", ".join(removed))
    lines.append("Hardware left in place: " + (", ".join(left) or "none"))
    sed = f.sedation
    lines.append("Anesthesia: " + "   ".join(
        f"{box(sed == k or (k == 'moderate sedation' and sed == 'conscious sedation'))} {lab}"
        for k, lab in (("moderate sedation", "Moderate sedation"), ("monitored anesthesia care", "MAC"),
                       ("general anesthesia", "General"))) + "   [x] Local lidocaine")
    lines.append(f"Antibiotic: {box(True)} " + rng.choice(["Cefazolin 2 g", "Vancomycin 15 mg/kg"])
                 + f"   {box(rng.random() < 0.4)} Antibacterial envelope")
    lines.append("Closure: " + "   ".join([f"{box(True)} Layered absorbable", f"{box(rng.random() < 0.5)} Skin glue",
                                           f"{box(False)} Drain"]))
    lines.append("Complications: [x] None   [ ] Hematoma   [ ] Pneumothorax")
    lines.append(f"EBL: {rng.choice(['<10', '10', '15', '<20'])} mL")
    lines.append("")
    comment.append(rng.choice(["Uncomplicated.", "No issues.", "Tolerated well.", "Patient comfortable throughout."]))
    lines.append("Operator comment: " + " ".join(comment))
    lines.append(f"Signed: Dr. {rng.choice(INITIALS)}")
    return "\n".join(lines)


def _visit(f: NoteFacts, rng: random.Random) -> str:
    g, st = f.old_generator, f.settings
    prog = f.evaluation == "programming"
    lines = _header(f, rng, rng.choice(["DEVICE CLINIC VISIT FORM", "CCM Follow-up Checklist"]), True)
    lines.append("Visit type: " + "   ".join([f"{box(not prog)} Interrogation only",
                                              f"{box(prog)} Interrogation + reprogramming",
                                              f"{box(False)} Wound check", f"{box(False)} Remote review"]))
    lines.append("Device: " + sp(g.model, "CCM_SYSTEM", "tested") + (f" (implant {g.implant_year})" if g.implant_year else ""))
    lines.append(f"Programmer: {box(st.programmer == 'OMNI II')} OMNI II   {box(st.programmer == 'Intelio')} Intelio")
    lines.append(f"Charger: {st.charger}   Charging: {box(True)} Regular   {box(False)} Missed sessions")
    if f.icd:
        lines.append("Other device: " + _icd(f.icd, rng, "none") + " (separate clinic)")
    lines.append("Pocket: " + "   ".join([f"{box(True)} Well healed", f"{box(False)} Tender", f"{box(False)} Erythema"]))
    rows = [["Lead", "Position", "Sensing", "Impedance"]]
    for ld in f.leads:
        rows.append([_L(ld, rng, "tested"), sp(ld.position, "LEAD_POSITION"), f"{ld.sensing_mv} mV",
                     f"{ld.impedance_ohm} ohm"])
    lines.append("Leads:")
    lines.append(_table(rows))
    lines.append(f"Therapy: {st.amplitude_v} V, train delay {st.train_delay_ms} ms, {st.hours_per_day} h/day, "
                 f"delivery {rng.randrange(80, 99)}%")
    lines.append(f"{sp('Generator', 'PULSE_GENERATOR', 'tested')} battery: {box(True)} OK   {box(False)} Low")
    lines.append("Changes made: " + f"{box(prog)} Yes   {box(not prog)} No")
    if prog:
        lines += [f"  - {c}" for c in f.programming_changes]
    lines.append("")
    comment = (rng.choice(["Iterative changes, sensation rechecked after each step.",
                           "Reprogrammed in steps; patient comfortable at final settings."]) if prog
               else rng.choice(["Stable. No changes.", "Normal CCM function, interrogation only.",
                                "Parameters unchanged."]))
    lines.append(f"Comment: {comment} {rng.choice(['F/u 3 mo.', 'Return 6 months.', 'Remote in 3 months.'])}")
    return "\n".join(lines)


def _consult(f: NoteFacts, rng: random.Random) -> str:
    lines = _header(f, rng, rng.choice(["CCM CANDIDACY CHECKLIST", "Device Consult Form - CCM Evaluation"]), True)
    lines.append("Criteria:")
    lines.append(f"  {box(25 <= f.ef <= 45)} LVEF 25-45% (measured {f.ef}%)")
    lines.append(f"  {box(f.nyha != 'II')} NYHA III-ambulatory IV (current {f.nyha})")
    lines.append(f"  {box(f.qrs_ms < 130)} QRS <130 ms / not CRT candidate ({f.qrs_ms} ms)")
    lines.append(f"  {box(True)} On GDMT >= 3 months")
    lines.append(f"  {box(bool(f.icd))} Existing " + (_icd(f.icd, rng, "none", "historical") if f.icd
                                                      else neg("ICD", "OTHER_DEVICE")))
    lines.append(f"Diagnosis: {f.cardiomyopathy}")
    planned = f.planned or ""
    atr = "atrial" in planned
    lines.append("Planned hardware:")
    lines.append("  " + box(True) + " " + sp("OPTIMIZER Smart Mini", "CCM_SYSTEM", "none", "hypothetical"))
    lines.append("  " + box(True) + " " + sp("2 RV septal leads", "VENTRICULAR_LEAD", "none", "hypothetical,count=2"))
    lines.append("  " + box(atr) + " " + (sp("RA lead", "ATRIAL_LEAD", "none", "hypothetical") if atr
                                          else neg("RA lead", "ATRIAL_LEAD")))
    lines.append("  Side: " + f"{box(f.side == 'right')} Right   {box(f.side == 'left')} Left")
    lines.append("")
    rec = ("Repeat echo after GDMT optimization, then decide." if "echo" in planned
           else "Good candidate, schedule implant.")
    lines.append(f"Comment: {rec} Risks/benefits discussed, questions answered.")
    return "\n".join(lines)


def _nondevice(f: NoteFacts, rng: random.Random) -> str:
    if f.ccm_meaning == "chronic care management":
        lines = _header(f, rng, "CHRONIC CARE MANAGEMENT (CCM) MONTHLY CHECKLIST", True)
        lines += [f"  {box(True)} Consent for CCM services on file",
                  f"  {box(True)} Comprehensive care plan reviewed/updated",
                  f"  {box(True)} Medication reconciliation",
                  f"  {box(rng.random() < 0.5)} Referral coordination",
                  f"  {box(False)} Complex CCM (60+ min)",
                  f"Time: {rng.randrange(20, 45)} min this calendar month",
                  f"Conditions: heart failure (EF {f.ef}%), {rng.choice(['diabetes', 'CKD 3', 'COPD', 'AF'])}"]
        if f.icd:
            lines.append("Devices: " + _icd(f.icd, rng, "none") + " - remote transmissions up to date")
        lines += ["", "Comment: Patient doing well at home, weights stable. Next CCM call in 4 weeks."]
    else:
        lines = _header(f, rng, "PRE-PROCEDURE CARDIAC CLEARANCE CHECKLIST", True)
        lines += ["Planned procedure: craniotomy for cerebral cavernous malformation (CCM)",
                  f"  {box(True)} ECG reviewed (QRS {f.qrs_ms} ms)", f"  {box(True)} Echo reviewed (EF {f.ef}%)",
                  f"  {box(bool(f.icd))} Cardiac implantable device" + (": " + _icd(f.icd, rng, "none") if f.icd else "")]
        lines += ["", "Comment: Acceptable risk for neurosurgery. CCM followed by neurosurgery."
                  + (" Device reprogramming per periop protocol." if f.icd else "")]
    return "\n".join(lines)


def render(facts: NoteFacts, rng: random.Random) -> str:
    s = facts.scenario
    if s == "S15":
        note = _visit(facts, rng)
    elif s == "S24":
        note = _consult(facts, rng)
    elif s == "S18":
        note = _nondevice(facts, rng)
    elif s in ("S16", "S17"):
        note = _other_form(facts, rng)
    else:
        note = _ccm_form(facts, rng)
    return _mark_bare(note)


FAMILY = Family(
    name="checkbox_record",
    style="checkbox",
    description="Checkbox procedure record: [x]/[ ] boxes for procedure type, side, access and components, "
                "completed/left-in-place hardware lines, short operator comment; clinic visit checkbox form.",
    render=render,
)
