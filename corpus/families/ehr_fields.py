"""EHR structured procedure note: "Field: value" lines, an aligned leads table,
then "Narrative:" and "Plan:". Device-clinic visits use the same EHR's
device-check template (fields plus a settings table)."""

from __future__ import annotations

import random
import re

from corpus.facts import Lead, NoteFacts, OtherDevice
from corpus.families import Family
from corpus.markup import parse

# --------------------------------------------------------------------------- helpers


def sp(text: str, label: str, action: str | None = None, *flags: str) -> str:
    """One inline markup span."""
    if flags:
        return f"[{text}]({label}|{action or 'none'}|{','.join(flags)})"
    if action:
        return f"[{text}]({label}|{action})"
    return f"[{text}]({label})"


def _plain(markup: str) -> str:
    import re
    return re.sub(r"\[([^\[\]\n]+)\]\([A-Z_]+(?:\|[a-z]+)?(?:\|[a-z0-9=,]+)?\)", r"\1", markup)


def table(rows: list[list[str]], gap: int = 3) -> str:
    """Align a table whose cells may contain markup (widths from the plain text)."""
    widths = [max(len(_plain(r[i])) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            pad = widths[i] - len(_plain(c)) if i < len(r) - 1 else 0
            cells.append(c + " " * pad)
        out.append((" " * gap).join(cells).rstrip())
    return "\n".join(out)


NUM = {1: "one", 2: "two", 3: "three", 4: "four"}
SURNAMES = ["Okafor", "Lindqvist", "Marchetti", "Hsu", "Delgado", "Brennan", "Achterberg", "Nakamura",
            "Rosales", "Whitfield", "Kowalczyk", "Iyer", "Petrossian", "Adeyemi", "Feldman"]
MONTHS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]


def _date(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)}/{rng.randrange(1, 29):02d}/{rng.choice([2023, 2024, 2025])}"


def _act(fate: str, visit: bool = False) -> str:
    if fate == "untouched":
        return "tested" if visit else "retained"
    return fate


def _pt(f: NoteFacts) -> str:
    return f"{f.age}-year-old {'man' if f.sex == 'male' else 'woman'}"


def _he(f: NoteFacts) -> str:
    return "he" if f.sex == "male" else "she"


def _his(f: NoteFacts) -> str:
    return "his" if f.sex == "male" else "her"


def _lead_name(lead: Lead, rng: random.Random, old: bool = False) -> tuple[str, str]:
    """(phrase, label) for a CCM lead."""
    pre = rng.choice(["old ", "chronic ", "existing "]) if old else ""
    if lead.chamber == "atrial":
        return pre + rng.choice(["RA lead", "right atrial lead", "atrial sensing lead", "RA sensing lead"]), \
            "ATRIAL_LEAD"
    ch = lead.channel
    if ch.startswith("lead"):
        if rng.random() < 0.5:
            return pre + "CCM " + ch, "LEAD"
        return pre + f"septal {ch}", "VENTRICULAR_LEAD"
    return pre + rng.choice([f"{ch} lead", f"{ch} septal lead", f"{ch} ventricular lead",
                             f"{ch} lead"]), "VENTRICULAR_LEAD"


def _lead(lead: Lead, rng: random.Random, action: str, old: bool = False, *flags: str) -> str:
    text, label = _lead_name(lead, rng, old)
    return sp(text, label, action, *flags)


def _access(f: NoteFacts, rng: random.Random, side: str | None = None) -> str:
    side = side or f.side
    if f.access == "axillary":
        return rng.choice([f"{side} axillary vein", f"{side} axillary vein (extrathoracic puncture)",
                           f"{side} extrathoracic axillary vein"])
    if f.access == "subclavian":
        return rng.choice([f"{side} subclavian vein", f"{side} subclavian vein puncture"])
    return rng.choice([f"{side} cephalic vein cutdown", f"{side} cephalic vein"])


def _access_short(f: NoteFacts) -> str:
    return {"axillary": "axillary", "subclavian": "subclavian", "cephalic": "cephalic"}.get(f.access, "axillary")


def _pocket(f: NoteFacts, rng: random.Random) -> str:
    if f.pocket == "subpectoral":
        return rng.choice([f"{f.side} subpectoral pocket", "subpectoral pocket"])
    return rng.choice([f"{f.side} prepectoral pocket", f"{f.side} pectoral pocket", "prepectoral pocket",
                       f"{f.side} infraclavicular pocket"])


def _reason(f: NoteFacts) -> str:
    return (f.stop_reason or "").replace("venogram", sp("venogram", "IMAGING"))


def _gen_word(rng: random.Random) -> str:
    return rng.choice(["generator", "IPG", "pulse generator"])


# --------------------------------------------------------------------------- other devices

def _other_parts(od: OtherDevice) -> dict:
    """Names for a non-CCM device's pieces."""
    k = od.kind
    if "pacemaker" in k and "leadless" not in k:
        return {"gen": "pacemaker generator", "leads": ["pacemaker RA lead", "pacemaker RV lead"], "sys": k}
    if k in ("ICD", "single-chamber ICD", "dual-chamber ICD", "subcutaneous ICD", "CRT-D"):
        leads = ["RV defibrillator lead"]
        if k in ("dual-chamber ICD", "CRT-D"):
            leads = ["ICD atrial lead", "RV defibrillator lead"]
        if k == "CRT-D":
            leads.append("CRT-D coronary sinus lead")
        if k == "subcutaneous ICD":
            leads = ["subcutaneous ICD electrode"]
        return {"gen": f"{k} generator", "leads": leads, "sys": k}
    return {"gen": f"{k} generator", "leads": [], "sys": k}


def _icd_phrase(od: OtherDevice, rng: random.Random, action: str, *flags: str) -> str:
    k = od.kind
    text = rng.choice([f"{od.side}-sided {k}", f"{od.maker} {k}", k, f"{od.side} {k}"])
    return sp(text, "OTHER_DEVICE", action, *flags)


def _other_procedure(f: NoteFacts, od: OtherDevice, rng: random.Random) -> dict:
    """Fields and narrative for pacemaker/ICD/other-stimulator work (no CCM code)."""
    k, w, side = od.kind, od.work, od.side
    acc = sp(_access(f, rng, side), "VENOUS_ACCESS")
    fl = sp(rng.choice(["fluoroscopy", "fluoroscopic guidance"]), "IMAGING")
    pocket_txt = sp(f"{side} {rng.choice(['prepectoral', 'infraclavicular'])} pocket", "POCKET")
    d: dict = {"access": "not applicable", "imaging": "none", "implanted": "none", "explanted": "none",
               "table": [], "narr": [], "title": "", "indication": ""}
    if k == "leadless pacemaker":
        dev = sp(f"{od.maker} leadless pacemaker", "OTHER_DEVICE", "inserted")
        d.update(title=f"Implantation of {sp('leadless pacemaker', 'OTHER_DEVICE', 'inserted')}",
                 access=sp("right femoral vein", "VENOUS_ACCESS") + ", 27 Fr introducer",
                 imaging=fl + f", {f.fluoro_min} min", implanted=dev,
                 indication="symptomatic bradycardia with limited upper-extremity venous access")
        d["narr"] = [
            f"Ultrasound-guided access of the {sp('right femoral vein', 'VENOUS_ACCESS')} was obtained and the "
            f"introducer advanced over a stiff wire. The delivery catheter was advanced to the RV under "
            f"{sp('fluoroscopy', 'IMAGING')} and the {sp('leadless pacemaker', 'OTHER_DEVICE', 'inserted')} "
            f"deployed on the {rng.choice(['mid septum', 'low septum'])}. Tug test confirmed fixation; "
            f"R wave {rng.randrange(7, 16)} mV, threshold {round(rng.uniform(0.4, 1.0), 2)} V, impedance "
            f"{rng.randrange(500, 900, 10)} ohms. Tether cut and the system withdrawn. Figure-of-eight suture at "
            f"the venotomy."]
        return d
    if k == "loop recorder":
        dev = sp(f"{od.maker} implantable loop recorder", "OTHER_DEVICE", "inserted")
        d.update(title=f"Insertion of {sp('implantable loop recorder', 'OTHER_DEVICE', 'inserted')}",
                 implanted=dev, indication="cryptogenic stroke, rule out atrial fibrillation")
        d["narr"] = [
            f"A small incision was made in the left parasternal region after lidocaine infiltration. The "
            f"{sp('loop recorder', 'OTHER_DEVICE', 'inserted')} was inserted with the manufacturer's tool into a "
            f"{sp('subcutaneous pocket', 'POCKET')}. R-wave amplitude {round(rng.uniform(0.3, 0.9), 2)} mV on "
            f"the programmer. Incision closed with Steri-Strips and skin glue."]
        return d
    if k == "Port-A-Cath":
        d.update(title=f"Placement of {sp('Port-A-Cath', 'OTHER_DEVICE', 'inserted')}",
                 access=sp("right internal jugular vein", "VENOUS_ACCESS"),
                 imaging=sp("ultrasound", "IMAGING") + " and " + fl,
                 implanted=sp("single-lumen chest port", "OTHER_DEVICE", "inserted"),
                 indication="chemotherapy access")
        d["narr"] = [
            f"The {sp('right internal jugular vein', 'VENOUS_ACCESS')} was accessed under ultrasound guidance. "
            f"A {sp('subcutaneous pocket', 'POCKET')} was created in the right upper chest, the "
            f"{sp('catheter', 'OTHER_DEVICE', 'inserted')} tunneled and cut to length with the tip at the "
            f"cavoatrial junction on {sp('fluoroscopy', 'IMAGING')}. The {sp('port', 'OTHER_DEVICE', 'inserted')} "
            f"was secured and flushed; good blood return."]
        return d
    if k in ("spinal cord stimulator", "vagus nerve stimulator"):
        loc = "left upper buttock" if k.startswith("spinal") else "left upper chest"
        old = sp(f"depleted {k} generator", "OTHER_DEVICE", "removed")
        new = sp(f"new {od.maker} {k} generator" if k.startswith("spinal") else f"new {k} generator",
                 "OTHER_DEVICE", "inserted")
        d.update(title=f"Replacement of {sp(k + ' generator', 'OTHER_DEVICE', 'inserted')}",
                 implanted=new, explanted=old, indication="generator at end of service")
        d["narr"] = [
            f"The prior incision over the {sp(loc + ' pocket', 'POCKET')} was opened. The "
            f"{sp('old generator', 'OTHER_DEVICE', 'removed')} was delivered, the "
            f"{sp('extension leads', 'OTHER_DEVICE', 'retained')} disconnected and inspected, and the "
            f"{sp('replacement generator', 'OTHER_DEVICE', 'inserted')} connected. Impedances within range. "
            f"Pocket irrigated and closed in layers."]
        return d
    if k == "hypoglossal nerve stimulator":
        d.update(title=f"Implantation of {sp('hypoglossal nerve stimulator', 'OTHER_DEVICE', 'inserted')}",
                 implanted=sp("hypoglossal nerve stimulator system", "OTHER_DEVICE", "inserted"),
                 indication="moderate to severe obstructive sleep apnea, CPAP intolerant")
        d["narr"] = [
            f"Through a submandibular incision the {sp('stimulation cuff lead', 'OTHER_DEVICE', 'inserted')} was "
            f"placed on the medial branch of the hypoglossal nerve with tongue protrusion on test stimulation. "
            f"The {sp('sensing lead', 'OTHER_DEVICE', 'inserted')} was placed between the intercostal muscles and "
            f"the {sp('implantable pulse generator', 'OTHER_DEVICE', 'inserted')} in a "
            f"{sp('right infraclavicular pocket', 'POCKET')}."]
        return d
    if k == "baroreflex activation system":
        d.update(title=f"Implantation of {sp('baroreflex activation therapy system', 'OTHER_DEVICE', 'inserted')}",
                 implanted=sp("baroreflex activation system", "OTHER_DEVICE", "inserted"),
                 indication="heart failure with reduced ejection fraction, NYHA III despite GDMT")
        d["narr"] = [
            f"The right carotid bifurcation was exposed and the {sp('carotid sinus lead', 'OTHER_DEVICE', 'inserted')} "
            f"mapped and sutured at the site of maximal blood pressure response. The lead was tunneled to the "
            f"{sp('right infraclavicular pocket', 'POCKET')} and connected to the "
            f"{sp('pulse generator', 'OTHER_DEVICE', 'inserted')}."]
        return d
    # transvenous pacemaker / ICD / CRT-D work
    parts = _other_parts(od)
    d["imaging"] = fl + f", {f.fluoro_min} min"
    if w == "new implant":
        leads = parts["leads"]
        d.update(title=f"Implantation of {sp(k, 'OTHER_DEVICE', 'inserted')}", access=acc,
                 implanted=sp(f"{od.maker} {k}", "OTHER_DEVICE", "inserted"),
                 indication=("symptomatic sinus node dysfunction" if "pacemaker" in k
                             else "primary prevention, LVEF %d%%" % f.ef))
        txt = (f"Access via the {sp(_access(f, rng, side), 'VENOUS_ACCESS')} under {sp('fluoroscopy', 'IMAGING')}. "
               f"A {pocket_txt} was fashioned. ")
        for ln in leads:
            pos = "right atrial appendage" if "atrial" in ln or "RA" in ln else "RV apical septum"
            txt += (f"The {sp(ln, 'OTHER_DEVICE', 'inserted')} was positioned at the "
                    f"{sp(pos, 'LEAD_POSITION')} with satisfactory sensing and threshold. ")
        txt += f"The {sp(parts['gen'], 'OTHER_DEVICE', 'inserted')} was connected and placed in the pocket."
        d["narr"] = [txt]
        d["table"] = [[sp(ln, "OTHER_DEVICE", "inserted"),
                       "RAA" if ("atrial" in ln or "RA" in ln) else "RV septum",
                       f"{rng.randrange(450, 900, 10)} ohms",
                       f"{round(rng.uniform(1.5, 4), 1) if ('atrial' in ln or 'RA' in ln) else round(rng.uniform(6, 18), 1)} mV",
                       "new"] for ln in leads]
        return d
    if w == "generator change":
        d["imaging"] = "none"
        d.update(implanted=sp(f"new {od.maker} {parts['gen']}", "OTHER_DEVICE", "inserted"),
                 explanted=sp(f"old {parts['gen']}", "OTHER_DEVICE", "removed"),
                 indication="elective replacement indicator")
        d["narr"] = [
            f"The old incision over the {pocket_txt} was opened and the "
            f"{sp(parts['gen'], 'OTHER_DEVICE', 'removed')} delivered and explanted. The "
            f"{sp('chronic leads', 'OTHER_DEVICE', 'retained')} tested within normal limits and were connected to the "
            f"{sp('new generator', 'OTHER_DEVICE', 'inserted')}."]
        d["title"] = (f"Removal of {sp(parts['gen'], 'OTHER_DEVICE', 'removed')} and insertion of "
                      f"{sp('new ' + k + ' generator', 'OTHER_DEVICE', 'inserted')}")
        return d
    if w == "upgrade":
        d.update(title=f"Upgrade to {sp('CRT-D', 'OTHER_DEVICE', 'inserted')}", access=acc,
                 implanted=sp(f"{od.maker} CRT-D generator", "OTHER_DEVICE", "inserted") + "; "
                 + sp("coronary sinus lead", "OTHER_DEVICE", "inserted"),
                 explanted=sp("dual-chamber ICD generator", "OTHER_DEVICE", "removed"),
                 indication="LBBB with progressive heart failure")
        d["narr"] = [
            f"The {pocket_txt} was opened and the {sp('existing ICD generator', 'OTHER_DEVICE', 'removed')} "
            f"removed. Via the {sp(_access(f, rng, side), 'VENOUS_ACCESS')} the coronary sinus was cannulated and an "
            f"{sp('occlusive venogram', 'IMAGING')} performed; the {sp('LV lead', 'OTHER_DEVICE', 'inserted')} was placed in a "
            f"{sp('lateral branch', 'LEAD_POSITION')} without phrenic capture at 10 V. The "
            f"{sp('CRT-D generator', 'OTHER_DEVICE', 'inserted')} was connected to all leads."]
        return d
    # lead revision
    d.update(title=f"{sp(k + ' lead', 'OTHER_DEVICE', 'inserted')} revision", access=acc,
             implanted=sp("RV defibrillator lead", "OTHER_DEVICE", "inserted"),
             explanted="none (" + sp("old lead", "OTHER_DEVICE", "abandoned") + " capped)",
             indication="RV lead noise with nonphysiologic short intervals")
    d["narr"] = [
        f"The {pocket_txt} was opened. The {sp('noisy RV lead', 'OTHER_DEVICE', 'abandoned')} was disconnected, "
        f"capped and left in place. Via the {sp(_access(f, rng, side), 'VENOUS_ACCESS')} a "
        f"{sp('new defibrillator lead', 'OTHER_DEVICE', 'inserted')} was screwed into the "
        f"{sp('RV septum', 'LEAD_POSITION')} under {sp('fluoroscopy', 'IMAGING')} and connected to the "
        f"{sp(parts['gen'], 'OTHER_DEVICE', 'retained')}."]
    return d


# --------------------------------------------------------------------------- CCM op notes

def _title(f: NoteFacts, rng: random.Random) -> str:
    s = f.scenario
    ins_v = f.leads_with("inserted", chamber="ventricular")
    ccm = sp(rng.choice(["cardiac contractility modulation system", "CCM system", "CCM device"]),
             "CCM_SYSTEM", "inserted")
    if s in ("S1", "S2", "S3", "S23"):
        return rng.choice([f"Implantation of {ccm}", f"New {ccm} implant",
                           f"{ccm} implant ({f.new_generator.model})"])
    if s == "S21":
        return f"Implantation of {sp('OPTIMIZER Integra CCM-D system', 'CCM_SYSTEM', 'inserted')}"
    if s == "S4":
        return rng.choice([f"Staged {sp('CCM generator', 'PULSE_GENERATOR', 'inserted')} implant",
                           f"Insertion of {sp('CCM pulse generator', 'PULSE_GENERATOR', 'inserted')} to existing leads"])
    if s == "S5":
        return rng.choice([
            f"Removal of {sp('CCM pulse generator', 'PULSE_GENERATOR', 'removed')} and insertion of "
            f"{sp('replacement generator', 'PULSE_GENERATOR', 'inserted')}",
            f"CCM generator change: {sp('old IPG', 'PULSE_GENERATOR', 'removed')} out, "
            f"{sp('new IPG', 'PULSE_GENERATOR', 'inserted')} in"])
    if s == "S6":
        return f"Addition of {sp('right atrial CCM lead', 'ATRIAL_LEAD', 'inserted')}"
    if s == "S7":
        return rng.choice(["CCM lead revision", f"{sp('Atrial lead', 'ATRIAL_LEAD', 'inserted')} replacement",
                           "Device procedure"])
    if s in ("S8", "S9", "S10"):
        n = len(ins_v)
        return rng.choice(["CCM lead revision", "Device procedure",
                           f"Replacement of {sp(('both ' if n == 2 else '') + 'CCM ventricular lead' + ('s' if n == 2 else ''), 'VENTRICULAR_LEAD', 'inserted', *(['count=2'] if n == 2 else []))}"])
    if s == "S11":
        return rng.choice(["CCM lead revision", "Lead repositioning",
                           f"Repositioning of {sp('dislodged CCM lead', 'LEAD', 'repositioned')}"])
    if s == "S12":
        return rng.choice(["CCM generator change with lead revision", "Device procedure",
                           f"{sp('CCM generator', 'PULSE_GENERATOR', 'inserted')} replacement and "
                           f"{sp('new septal lead', 'VENTRICULAR_LEAD', 'inserted')}"])
    if s == "S13":
        return f"Extraction of {sp('CCM system', 'CCM_SYSTEM', 'removed')}"
    if s == "S14":
        return rng.choice(["CCM pocket revision", f"Relocation of {sp('CCM generator', 'PULSE_GENERATOR', 'repositioned')} pocket"])
    if s == "S19":
        return f"Attempted {sp('CCM system', 'CCM_SYSTEM', 'none', 'negated')} implant (aborted)"
    if s == "S20":
        return rng.choice([f"{sp('CCM system', 'CCM_SYSTEM', 'none', 'hypothetical')} implant, lead stage only",
                           "CCM implant, incomplete"])
    if s == "S22":
        return rng.choice([f"Replacement of entire {sp('CCM system', 'CCM_SYSTEM', 'inserted')}", "CCM system revision"])
    return "Device procedure"


def _indication(f: NoteFacts, rng: random.Random) -> str:
    base = (f"{f.cardiomyopathy}, LVEF {f.ef}%, NYHA class {f.nyha}, QRS {f.qrs_ms} ms"
            + rng.choice(["", ", not a CRT candidate", ", on GDMT", ", symptomatic despite optimal medical therapy"]))
    g = f.old_generator
    s = f.scenario
    if s in ("S5", "S12") and g:
        yr = f" implanted {g.implant_year}" if rng.random() < 0.6 else ""
        flg = ("historical",) if yr else ()
        return (f"{sp(g.model + ' generator', 'PULSE_GENERATOR', 'none', *flg)}{yr} at {g.reason}"
                + (f"; {sp('septal lead', 'VENTRICULAR_LEAD', 'none')} with rising impedance" if s == "S12" else ""))
    if s == "S13" and g:
        return f"{g.reason} involving {sp('CCM system', 'CCM_SYSTEM', 'none')}"
    if s == "S4":
        return f"{base}; {f.generators[0].reason}"
    if s == "S6":
        return f"{base}; sensing improvement with {sp('atrial lead', 'ATRIAL_LEAD', 'none')} to allow atrial-timed CCM delivery"
    if s == "S7":
        return f"{sp('RA lead', 'ATRIAL_LEAD', 'none')} with intermittent undersensing and rising impedance"
    if s in ("S8", "S9", "S10"):
        name = "ventricular CCM leads" if s == "S10" else "ventricular CCM lead"
        return (f"high impedance / loss of sensing on {sp(name, 'VENTRICULAR_LEAD', 'none')}"
                + ", CCM delivery below 80%")
    if s == "S11":
        return f"dislodgement of {sp('septal lead', 'VENTRICULAR_LEAD', 'none')} on chest x-ray, loss of CCM delivery"
    if s == "S14":
        return rng.choice(["pocket discomfort with thinning skin over the generator edge",
                           "generator migration toward the axilla", "pre-erosion of the pocket"])
    if s == "S22":
        return f"{sp('CCM system', 'CCM_SYSTEM', 'none')} at end of service with lead malfunction"
    return base


def _connected(f: NoteFacts, rng: random.Random) -> str:
    """What a new generator was connected to: new leads, old leads, or both."""
    new = f.leads_with("inserted")
    old = f.leads_with("retained")
    if new and not old:
        n = len(new)
        if n == 1:
            return "the " + sp("new lead", "LEAD", "inserted")
        return rng.choice([sp(("both" if n == 2 else "all %s" % NUM[n]) + " leads", "LEAD", "inserted", "count=%d" % n),
                           "the " + sp(f"{NUM[n]} new leads", "LEAD", "inserted", "count=%d" % n)])
    if old and not new:
        n = len(old)
        if n == 1:
            return "the " + sp("existing lead", "LEAD", "retained")
        return "the " + sp(rng.choice([f"{NUM[n]} chronic leads", f"existing {NUM[n]} leads", f"{NUM[n]} old leads"]),
                           "LEAD", "retained", "count=%d" % n)
    parts = ["the " + sp("new lead" if len(new) == 1 else f"{NUM[len(new)]} new leads", "LEAD", "inserted",
                         *([] if len(new) == 1 else ["count=%d" % len(new)]))]
    parts.append("the " + sp("chronic lead" if len(old) == 1 else f"{NUM[len(old)]} chronic leads", "LEAD", "retained",
                             *([] if len(old) == 1 else ["count=%d" % len(old)])))
    return " and ".join(parts)


def _ccm_op(f: NoteFacts, rng: random.Random) -> str:
    s = f.scenario
    newg = f.new_generator
    oldg = f.old_generator
    icd = f.icd
    fields: list[tuple[str, str]] = []
    narr: list[str] = []
    table_rows: list[list[str]] = []
    ins = f.leads_with("inserted")
    lead_work = bool(ins) or bool(f.leads_with("repositioned"))
    pocket = sp(_pocket(f, rng), "POCKET")
    stylet = rng.choice(["a straight stylet", "a hand-shaped curved stylet", "a septal stylet",
                         "a 40-degree curved stylet"])
    fl_word = rng.choice(["fluoroscopy", "fluoroscopic guidance"])
    ccm_amp, td = f.settings.amplitude_v, f.settings.train_delay_ms

    # ---- fields
    fields.append(("Procedure", _title(f, rng)))
    fields.append(("Operator", f"Dr. {rng.choice(SURNAMES)}, cardiac electrophysiology"))
    if rng.random() < 0.5:
        fields.append(("Assistant", rng.choice(["EP fellow", "none", "PA-C", "EP fellow, device rep present"])))
    fields.append(("Indication", _indication(f, rng)))
    fields.append((rng.choice(["Sedation", "Anesthesia"]),
                   f.sedation + rng.choice(["", " (anesthesiology)", "; local lidocaine 1%",
                                            "; 1% lidocaine with epinephrine locally"])))
    if lead_work and ins:
        acc = sp(_access(f, rng), "VENOUS_ACCESS")
        if f.venogram:
            acc += ", " + sp("contrast venogram", "IMAGING") + " first"
        fields.append(("Access", acc))
        fields.append(("Imaging", sp("fluoroscopy", "IMAGING") + f", {f.fluoro_min} min"
                       + rng.choice(["", ", RAO/LAO views", f", {round(f.fluoro_min * 3.1, 1)} mGy"])))
    elif lead_work:
        fields.append(("Access", "existing venous entry, no new puncture"))
        fields.append(("Imaging", sp("fluoroscopy", "IMAGING") + f", {f.fluoro_min} min"))
    elif s == "S13":
        fields.append(("Access", "pocket only"))
        fields.append(("Imaging", sp("fluoroscopy", "IMAGING") + f", {f.fluoro_min} min"))
    elif s == "S19":
        acc = sp(_access(f, rng), "VENOUS_ACCESS")
        fields.append(("Access", acc + " attempted"))
        fields.append(("Imaging", sp("fluoroscopy", "IMAGING") + f", {f.fluoro_min} min"
                       + (", " + sp("venogram", "IMAGING") if f.venogram or "venogram" in f.stop_reason else "")))
    else:
        fields.append(("Access", "not applicable (pocket procedure)"))
        fields.append(("Imaging", rng.choice(["none", sp("fluoroscopy", "IMAGING") + " 0.2 min (lead check)"])))
    if rng.random() < 0.6:
        fields.append(("Antibiotic", rng.choice(["cefazolin 2 g IV", "vancomycin 1.5 g IV (PCN allergy)",
                                                 "cefazolin 2 g IV within 60 min of incision"])))

    # implanted/explanted
    imp, exp = [], []
    if newg:
        lab = "PULSE_GENERATOR"
        imp.append(sp(f"{newg.model} IPG" if "Integra" not in newg.model else f"{newg.model} generator", lab, "inserted")
                   + ", SN on file")
    for ld in ins:
        name, lab = _lead_name(ld, rng)
        imp.append(sp(f"{ld.model} lead", "LEAD", "inserted") + f" ({sp(name, lab, 'inserted')})")
    if oldg and oldg.fate == "removed":
        exp.append(sp(f"{oldg.model} generator", "PULSE_GENERATOR", "removed")
                   + (f" (implanted {oldg.implant_year})" if oldg.implant_year else ""))
    for ld in f.leads_with("removed"):
        name, lab = _lead_name(ld, rng, old=True)
        exp.append(sp(name, lab, "removed") + (f" ({ld.implant_year})" if ld.implant_year else ""))
    fields.append(("Device implanted", "; ".join(imp) if imp else "none"))
    fields.append(("Device explanted", "; ".join(exp) if exp else "none"))
    if f.leads_with("abandoned"):
        ab = [sp(*_lead_name(ld, rng, old=True), "abandoned") for ld in f.leads_with("abandoned")]
        fields.append(("Abandoned hardware", ", ".join(ab) + " (capped)"))

    # lead table
    for ld in f.leads:
        name, lab = _lead_name(ld, rng, old=ld.fate != "inserted")
        act = _act(ld.fate)
        status = {"inserted": "new", "retained": "chronic, kept", "removed": "explanted",
                  "abandoned": "capped/abandoned", "repositioned": "repositioned"}[act]
        meas = ld.fate in ("inserted", "retained", "repositioned")
        table_rows.append([sp(name, lab, act), sp(ld.position, "LEAD_POSITION"),
                           f"{ld.impedance_ohm} ohms" if meas else "--",
                           f"{ld.sensing_mv} mV" if meas else "--",
                           f"{ld.threshold_v} V" if meas else "--", status])

    # ---- narrative
    narr.append(rng.choice([
        f"Consent signed, time-out performed. The {f.side} chest was prepped with chlorhexidine and draped in the usual sterile fashion.",
        f"Patient identified, procedure verified at time-out. {f.side.capitalize()} chest prepped and draped sterilely.",
        f"After informed consent, the patient was brought to the EP lab fasting. Sterile prep and drape of the {f.side} upper chest.",
    ]))
    if icd:
        narr.append(rng.choice([
            f"The {_icd_phrase(icd, rng, 'retained')} had tachytherapies suspended with a magnet over the can for the case.",
            f"Tachy therapies of the {_icd_phrase(icd, rng, 'retained')} were programmed off before prep and restored at the end.",
        ]))
    if s == "S19":
        att = sp(_access(f, rng), "VENOUS_ACCESS")
        narr.append(f"Local anesthesia was infiltrated. Access to the {att} was attempted under "
                    f"{sp(fl_word, 'IMAGING')}.")
        narr.append(f"The procedure was stopped because of {_reason(f)}. "
                    + rng.choice([f"{sp('No leads', 'LEAD', 'none', 'negated')} were placed",
                                  f"{sp('No lead', 'LEAD', 'none', 'negated')} was advanced",
                                  f"{sp('No CCM leads', 'LEAD', 'none', 'negated')} were introduced"])
                    + " and "
                    + rng.choice([f"{sp('no generator', 'PULSE_GENERATOR', 'none', 'negated')} was implanted.",
                                  f"no pocket was made for the {sp('generator', 'PULSE_GENERATOR', 'none', 'negated')}."]))
        narr.append("Hemostasis with manual pressure; skin closed with a single suture. No complications apart from the above.")
    else:
        if ins or s in ("S20", "S21"):
            narr.append(f"Local anesthetic infiltrated and a {rng.choice(['4', '5', '5-6'])} cm incision made; the "
                        f"{pocket} was {'created' if not oldg else 'opened'} by blunt dissection.")
        elif oldg and oldg.fate != "untouched":
            narr.append(f"Lidocaine infiltrated along the old incision and the {pocket} opened with cautery. "
                        f"Capsule entered.")
        # old generator
        if oldg and oldg.fate == "removed":
            narr.append(rng.choice([
                f"The {sp(oldg.model + ' generator', 'PULSE_GENERATOR', 'removed')} was freed from the capsule and explanted.",
                f"The {sp('old IPG', 'PULSE_GENERATOR', 'removed')} was delivered out of the pocket, disconnected and removed.",
            ]))
        elif oldg and oldg.fate == "retained":
            narr.append(f"The {sp('generator', 'PULSE_GENERATOR', 'retained')} was delivered into the wound and the "
                        f"{sp('chronic leads', 'LEAD', 'retained', 'count=%d' % len([x for x in f.leads if x.fate != 'inserted']))} "
                        f"disconnected.")
        # old leads
        for ld in f.leads:
            if ld.fate == "retained":
                narr.append(f"The {_lead(ld, rng, 'retained', True)} measured {ld.sensing_mv} mV, "
                            f"{ld.impedance_ohm} ohms, threshold {ld.threshold_v} V"
                            + rng.choice(["; kept.", ", acceptable and kept.", "."]))
            elif ld.fate == "removed":
                narr.append(rng.choice([
                    f"The {_lead(ld, rng, 'removed', True)} was freed from its sleeve, a locking stylet introduced, and it was extracted with steady traction.",
                    f"The {_lead(ld, rng, 'removed', True)} was unscrewed and withdrawn intact under {sp('fluoroscopy', 'IMAGING')}.",
                ]))
            elif ld.fate == "abandoned":
                narr.append(rng.choice([
                    f"The {_lead(ld, rng, 'abandoned', True)} was capped and left in the pocket.",
                    f"The {_lead(ld, rng, 'abandoned', True)} was abandoned; its pin was capped and sutured to the fascia.",
                ]))
            elif ld.fate == "repositioned":
                narr.append(f"The {_lead(ld, rng, 'repositioned', True)} was freed from its sleeve, retracted and "
                            f"re-fixed on the {sp(ld.position, 'LEAD_POSITION')} under {sp(fl_word, 'IMAGING')}; "
                            f"R wave {ld.sensing_mv} mV, impedance {ld.impedance_ohm} ohms, new sleeve sutures placed.")
        # new leads
        if ins:
            acc = sp(_access(f, rng), "VENOUS_ACCESS")
            if f.access == "cephalic":
                narr.append(f"Cutdown on the {sp(f.side + ' cephalic vein', 'VENOUS_ACCESS')} in the deltopectoral groove; "
                            f"venotomy made and the vein tied off distally"
                            + (f" after a {sp('venogram', 'IMAGING')}" if f.venogram else "") + ".")
            else:
                narr.append((f"A {sp('contrast venogram', 'IMAGING')} outlined the vein. " if f.venogram else "")
                            + f"The {sp(f'{f.side} {f.access} vein', 'VENOUS_ACCESS')} was punctured "
                            + rng.choice(["", "extrathoracically "] if f.access == "axillary" else [""])
                            + f"under {sp(fl_word, 'IMAGING')} and "
                            + (f"{NUM[len(ins)]} guidewires placed." if len(ins) > 1 else "a guidewire placed."))
            for ld in ins:
                name, lab = _lead_name(ld, rng)
                verb = rng.choice(["advanced through a 7 Fr peel-away sheath and screwed into",
                                   "positioned with " + stylet + " and fixed on",
                                   "deployed on"])
                extra = ""
                if ld.chamber == "ventricular":
                    extra = rng.choice([" Septal position confirmed in LAO.", " Position confirmed in RAO and LAO.",
                                        " Current of injury seen.", ""])
                    wave = "R wave"
                else:
                    wave = "P wave"
                narr.append(f"The {sp(name, lab, 'inserted')} ({ld.model}) was {verb} the "
                            f"{sp(ld.position, 'LEAD_POSITION')}: {wave} {ld.sensing_mv} mV, impedance "
                            f"{ld.impedance_ohm} ohms, threshold {ld.threshold_v} V.{extra}")
            if len([x for x in ins if x.chamber == "ventricular"]) == 2 and rng.random() < 0.6:
                narr.append("Lead tips more than 2 cm apart on fluoroscopy.")
            narr.append("Sleeves secured with 2-0 silk.")
        # generator
        if newg:
            gname = newg.model + " " + _gen_word(rng) if rng.random() < 0.5 else "new " + _gen_word(rng)
            narr.append(f"The {sp(gname, 'PULSE_GENERATOR', 'inserted')} was connected to {_connected(f, rng)}, "
                        + rng.choice(["set screws torqued, and placed in the pocket.",
                                      "set screws tightened and tug-tested, and the can placed in the pocket.",
                                      "and secured in the pocket with a nonabsorbable suture."]))
            if "Integra" in newg.model:
                narr.append("Defibrillation testing was deferred per protocol; CCM and tachyarrhythmia detection parameters were programmed.")
            narr.append(f"CCM delivery tested at {ccm_amp} V, train delay {td} ms: "
                        + rng.choice(["no extracardiac stimulation, no sensation.", "no diaphragmatic or pectoral stimulation.",
                                      "patient felt nothing; no phrenic capture."]))
        elif oldg and oldg.fate == "retained":
            narr.append(f"All active leads were reconnected to the {sp('existing generator', 'PULSE_GENERATOR', 'retained')}."
                        f" CCM delivery confirmed at {ccm_amp} V on the {f.settings.programmer}.")
        elif oldg and oldg.fate == "repositioned":
            narr.append(f"A {sp(f.new_pocket, 'POCKET')} was developed. The "
                        f"{sp('generator', 'PULSE_GENERATOR', 'repositioned')} was moved into it with the "
                        f"{sp('leads', 'LEAD', 'retained', 'count=%d' % len(f.leads))} redirected without tension; the "
                        f"old capsule was partially excised.")
        if s == "S20":
            narr.append(f"The procedure was stopped before generator placement ({f.stop_reason}). The "
                        f"{sp('lead pins', 'LEAD', 'inserted')} were capped and coiled in the pocket; "
                        f"{sp('no generator', 'PULSE_GENERATOR', 'none', 'negated')} was implanted today.")
        if s == "S13":
            narr.append("Pocket debrided of capsule; cultures sent. Extraction complete with no retained fragments on "
                        + sp("fluoroscopy", "IMAGING") + ".")
        narr.append(rng.choice([
            "Pocket irrigated with antibiotic solution and closed in three layers (2-0, 3-0 Vicryl, 4-0 Monocryl subcuticular).",
            "Closure: deep 2-0 Vicryl, subcutaneous 3-0 Vicryl, skin 4-0 Monocryl; Dermabond.",
            "Layered closure with absorbable suture, skin glue and pressure dressing.",
        ]))
        if f.scenario not in ("S13",) and (newg or (oldg and oldg.fate in ("retained", "repositioned"))) and rng.random() < 0.7:
            narr.append(f"Final settings via {f.settings.programmer}: CCM {ccm_amp} V, {f.settings.hours_per_day} h/day. "
                        f"{f.settings.charger} given to the patient.")
    ebl = rng.choice(["<10 mL", "minimal", "15 mL", "20 mL", "<25 mL"])
    fields.append(("EBL", ebl))
    fields.append(("Complications", "none" if s not in ("S19", "S20") else "procedure stopped early (see narrative)"))

    # ---- plan
    plan = []
    if s == "S19":
        plan.append(f"Discuss alternative approach; {sp('CCM implant', 'CCM_SYSTEM', 'none', 'hypothetical')} to be rescheduled"
                    + (" after CT venography" if "venous" in f.stop_reason else "") + ".")
    elif s == "S20":
        plan.append(f"Return as a staged procedure for the {sp('generator', 'PULSE_GENERATOR', 'none', 'hypothetical')}.")
    elif s == "S13":
        plan.append("IV antibiotics per ID; reimplant decision after negative cultures.")
    else:
        plan.append(rng.choice(["Discharge home today if pocket stable.", "Overnight observation, chest x-ray in AM.",
                                "PA/lateral CXR, discharge in the morning."]))
    plan.append(rng.choice(["Arm precautions for 4 weeks.", "No lifting over 10 lb with the ipsilateral arm for 4 weeks.",
                            "Sling overnight, then arm precautions."]))
    plan.append(rng.choice(["Wound check 7-10 days.", "Device clinic wound check in 1 week.", "Steri-strip check at 10 days."]))
    if s not in ("S13", "S19") and rng.random() < 0.6:
        plan.append(f"CCM optimization visit at {rng.choice(['2', '4', '6'])} weeks.")

    # ---- assemble
    head = rng.choice(["PROCEDURE NOTE - ELECTROPHYSIOLOGY", "EP Lab Procedure Note", "Cardiac Device Procedure Note"])
    lines = [head, f"Date of service: {_date(rng)}", f"Patient: {_pt(f)}", ""]
    order = fields[:]
    lines += [f"{k}: {v}" for k, v in order]
    if table_rows:
        lines.append("Leads:")
        hdr = ["Lead", "Position", "Impedance", "Sensing", "Threshold", "Status"]
        lines.append(table([hdr] + table_rows))
    lines.append("")
    lines.append("Narrative:")
    lines.append(" ".join(narr))
    lines.append("")
    lines.append("Plan:")
    lines += [f"- {p}" for p in plan]
    if rng.random() < 0.5:
        lines.append("")
        lines.append(rng.choice(["Electronically signed by operator.", "Attestation: I was present for the entire procedure.",
                                 "Note routed to referring cardiologist."]))
    return "\n".join(lines)


# --------------------------------------------------------------------------- other note types

def _clinic(f: NoteFacts, rng: random.Random) -> str:
    g = f.old_generator
    st = f.settings
    prog = f.evaluation == "programming"
    sysname = sp(g.model, "CCM_SYSTEM", "tested")
    leads = f.leads
    lines = [rng.choice(["DEVICE CLINIC - CCM CHECK", "Device Check (CCM)", "Cardiac Device Clinic Visit"]),
             f"Date of service: {_date(rng)}", f"Patient: {_pt(f)}", ""]
    fl: list[tuple[str, str]] = [
        ("Visit type", "in-person " + ("programming evaluation" if prog else "interrogation")),
        ("Device", sysname + ", " + sp(rng.choice(["generator", "IPG"]), "PULSE_GENERATOR", "tested")
         + (f" implanted {g.implant_year}" if g.implant_year else "")),
        ("Programmer", st.programmer),
        ("Charger", st.charger + rng.choice([", charging weekly", ", charging every 5-7 days", ", patient charges nightly"])),
        ("Symptoms", rng.choice(["improved exertional dyspnea", "stable NYHA %s" % f.nyha, "no palpitations, no shocks",
                                 "occasional pectoral twitch during therapy" if prog else "no complaints"])),
    ]
    if f.icd:
        fl.append(("Other device", _icd_phrase(f.icd, rng, "none") + ", followed in ICD clinic"))
    if g.implant_year and rng.random() < 0.5:
        fl.insert(2, ("History", f"{sp('CCM system', 'CCM_SYSTEM', 'none', 'historical')} implanted {g.implant_year} "
                                 f"for {f.cardiomyopathy}"))
    lines += [f"{k}: {v}" for k, v in fl]
    rows = [["Lead", "Position", "Impedance", "Sensing"]]
    for ld in leads:
        name, lab = _lead_name(ld, rng)
        rows.append([sp(name, lab, "tested"), sp(ld.position, "LEAD_POSITION"), f"{ld.impedance_ohm} ohms",
                     f"{ld.sensing_mv} mV"])
    lines.append("Leads:")
    lines.append(table(rows))
    changes = f.programming_changes
    srows = [["Parameter", "Found", "Final"],
             ["CCM amplitude", f"{st.amplitude_v} V", f"{st.amplitude_v} V"],
             ["Train delay", f"{st.train_delay_ms} ms", f"{st.train_delay_ms} ms"],
             ["Therapy hours/day", f"{st.hours_per_day}", f"{st.hours_per_day}"],
             ["CCM delivery", f"{rng.randrange(82, 99)}%", "--"]]
    if prog:
        for c in changes:
            if c.startswith("amplitude"):
                srows[1] = ["CCM amplitude", "7.5 V", "6.5 V"]
            if c.startswith("train delay"):
                srows[2] = ["Train delay", f"{st.train_delay_ms + 4} ms", f"{st.train_delay_ms} ms"]
            if c.startswith("daily therapy"):
                srows[3] = ["Therapy hours/day", "5", "7"]
    lines.append("Settings:")
    lines.append(table(srows))
    lines.append(f"Battery: {rng.choice(['OK', 'rechargeable, charge level good', 'full after charge'])}")
    lines.append("")
    lines.append("Assessment:")
    if prog:
        lines.append(f"Interrogation of the {sp('CCM device', 'CCM_SYSTEM', 'tested')} with iterative reprogramming: "
                     + "; ".join(changes) + ". Each change tested for sensation and delivery before the next.")
    else:
        lines.append(f"Normal {sp('CCM system', 'CCM_SYSTEM', 'tested')} function. "
                     f"{sp('Leads', 'LEAD', 'tested', 'count=%d' % len(leads))} stable. No programming changes made.")
    lines.append("")
    lines.append("Plan:")
    lines.append("- " + rng.choice(["Remote follow-up in 3 months.", "Return to device clinic in 6 months.",
                                    "Continue weekly charging; clinic in 3 months."]))
    if f.icd and rng.random() < 0.5:
        lines.append(f"- {_icd_phrase(f.icd, rng, 'none')} check per ICD clinic schedule.")
    return "\n".join(lines)


def _consult(f: NoteFacts, rng: random.Random) -> str:
    lines = [rng.choice(["EP CONSULT NOTE", "Electrophysiology Consultation", "Heart Failure Device Consult"]),
             f"Date of service: {_date(rng)}", f"Patient: {_pt(f)}", ""]
    fl = [("Reason for consult", f"evaluation for {sp('cardiac contractility modulation', 'CCM_SYSTEM', 'none', 'hypothetical')}"),
          ("Diagnosis", f"{f.cardiomyopathy}"),
          ("LVEF", f"{f.ef}%"), ("NYHA", f.nyha), ("QRS", f"{f.qrs_ms} ms, not a CRT candidate"),
          ("Medications", rng.choice(["sacubitril/valsartan, carvedilol, spironolactone, dapagliflozin",
                                      "metoprolol succinate, losartan, eplerenone, empagliflozin"]))]
    if f.icd:
        fl.append(("Devices", _icd_phrase(f.icd, rng, "none", "historical") + rng.choice(
            [" (primary prevention)", f" implanted {rng.randrange(2015, 2023)}"])))
    else:
        fl.append(("Devices", "none"))
    lines += [f"{k}: {v}" for k, v in fl]
    lines.append("")
    lines.append("Assessment:")
    lines.append(f"{_pt(f).capitalize()} with persistent NYHA {f.nyha} symptoms on GDMT, narrow QRS. "
                 f"Meets criteria for CCM therapy.")
    lines.append("")
    lines.append("Recommendation:")
    planned = f.planned or "CCM system implant"
    rec = [f"- Plan {sp('OPTIMIZER Smart Mini', 'CCM_SYSTEM', 'none', 'hypothetical')} implant"]
    if "atrial" in planned:
        rec.append(f"- {sp('Right atrial lead', 'ATRIAL_LEAD', 'none', 'hypothetical')} plus "
                   f"{sp('two septal leads', 'VENTRICULAR_LEAD', 'none', 'hypothetical,count=2')} via the "
                   f"{sp(f.side + ' axillary vein', 'VENOUS_ACCESS')}")
    elif "septal" in planned:
        rec.append(f"- {sp('Two RV septal leads', 'VENTRICULAR_LEAD', 'none', 'hypothetical,count=2')}, "
                   f"{sp(f.side + ' pectoral pocket', 'POCKET')}")
    else:
        rec.append("- Repeat echocardiogram in 3 months on optimized therapy; proceed if EF remains 25-45%")
    rec.append("- Risks (bleeding, infection, lead dislodgement, pneumothorax) reviewed; patient wishes to proceed")
    lines += rec
    return "\n".join(lines)


def _nondevice(f: NoteFacts, rng: random.Random) -> str:
    lines = []
    if f.ccm_meaning == "chronic care management":
        lines += [rng.choice(["CHRONIC CARE MANAGEMENT (CCM) - MONTHLY NOTE", "CCM Care Coordination Note"]),
                  f"Date of service: {_date(rng)}", f"Patient: {_pt(f)}", ""]
        fl = [("Program", "Chronic Care Management (CCM), non-complex"),
              ("Time this month", f"{rng.choice([20, 25, 32, 41])} minutes clinical staff time"),
              ("Chronic conditions", f"{f.cardiomyopathy} (LVEF {f.ef}%), "
               + rng.choice(["type 2 diabetes", "CKD stage 3a", "COPD", "hypertension"])),
              ("Care plan reviewed", "yes, copy to patient"),
              ("Medication reconciliation", "completed by phone")]
        if f.icd:
            fl.append(("Devices", _icd_phrase(f.icd, rng, "none") + ", remote monitoring transmissions current"))
        lines += [f"{k}: {v}" for k, v in fl]
        lines += ["", "Narrative:",
                  "Phone contact with patient. Weight stable, no orthopnea. Reviewed diuretic sliding scale and "
                  "low-sodium diet. Refills coordinated with pharmacy. CCM consent on file.",
                  "", "Plan:", "- Continue monthly CCM outreach.", "- Cardiology follow-up as scheduled."]
    else:
        lines += [rng.choice(["CARDIOLOGY CLINIC NOTE", "Pre-procedure Cardiology Evaluation"]),
                  f"Date of service: {_date(rng)}", f"Patient: {_pt(f)}", ""]
        fl = [("Reason for visit", "cardiac risk assessment before neurosurgical resection"),
              ("Problem list", "cerebral cavernous malformation (CCM), right frontal, with prior seizure; "
               f"{f.cardiomyopathy}, LVEF {f.ef}%"),
              ("ECG", f"sinus rhythm, QRS {f.qrs_ms} ms")]
        if f.icd:
            fl.append(("Devices", _icd_phrase(f.icd, rng, "none") + "; perioperative reprogramming per protocol"))
        lines += [f"{k}: {v}" for k, v in fl]
        lines += ["", "Narrative:",
                  "Functional capacity about 4 METs. The CCM is followed by neurosurgery; MRI shows no recent "
                  "hemorrhage. Elevated but acceptable perioperative risk.",
                  "", "Plan:", "- Continue beta blocker perioperatively.", "- No further cardiac testing needed."]
    return "\n".join(lines)


def _other_op(f: NoteFacts, rng: random.Random) -> str:
    od = next((o for o in f.other_devices if o.work != "none"), f.other_devices[-1])
    d = _other_procedure(f, od, rng)
    g = f.old_generator
    lines = [rng.choice(["PROCEDURE NOTE - ELECTROPHYSIOLOGY", "Cardiac Device Procedure Note"]),
             f"Date of service: {_date(rng)}", f"Patient: {_pt(f)}", ""]
    fl = [("Procedure", d["title"]), ("Operator", f"Dr. {rng.choice(SURNAMES)}"),
          ("Indication", d["indication"]),
          ("Sedation", f.sedation), ("Access", d["access"]), ("Imaging", d["imaging"]),
          ("Device implanted", d["implanted"]), ("Device explanted", d["explanted"])]
    if g:
        ccm = (sp(g.model, "CCM_SYSTEM", "retained") + " " + sp("CCM system", "CCM_SYSTEM", "retained")
               + f" ({f.side} side), not involved")
        fl.append(("Other hardware", ccm))
    lines += [f"{k}: {v}" for k, v in fl]
    if d["table"]:
        lines.append("Leads:")
        lines.append(table([["Lead", "Position", "Impedance", "Sensing", "Status"]] + d["table"]))
    narr = [rng.choice(["Consent signed, time-out performed. Sterile prep and drape.",
                        "Time-out completed. Site prepped and draped in the usual fashion."])]
    if g:
        narr.append(rng.choice([
            f"The {sp('CCM generator', 'PULSE_GENERATOR', 'retained')} on the {f.side} was programmed to "
            f"therapy off for the case to avoid interaction.",
            f"{sp('CCM therapy', 'CCM_SYSTEM', 'retained')} was suspended with the {f.settings.programmer} "
            f"before the first incision.",
        ]))
    narr += d["narr"]
    narr.append(rng.choice(["Closed in layers with absorbable suture.", "Layered closure, skin glue."]))
    if g:
        if f.evaluation == "interrogation":
            narr.append(f"At the end, the {sp('CCM device', 'CCM_SYSTEM', 'retained')} was interrogated: "
                        f"{sp('CCM leads', 'LEAD', 'retained', 'count=%d' % len(f.leads))} stable, no changes made, "
                        f"therapy restored at {f.settings.amplitude_v} V.")
        else:
            narr.append(f"{sp('CCM therapy', 'CCM_SYSTEM', 'retained')} re-enabled at the end of the case; the "
                        f"{sp('CCM leads', 'LEAD', 'retained', 'count=%d' % len(f.leads))} were not disturbed.")
    lines += ["", "Narrative:", " ".join(narr), "", "Plan:",
              "- " + rng.choice(["Wound check in 10 days.", "Discharge today; wound check 1 week."]),
              "- " + rng.choice(["Arm precautions.", "Routine device follow-up."])]
    return "\n".join(lines)


_BARE = re.compile(r"(?i)\b(?:pocket|fluoroscopy|fluoroscopic guidance|venogram)\b"
                   r"(?!:)(?! (?:infection|revision|relocation|hematoma|procedure|only|discomfort|check))")


def _mark_bare(markup_text: str) -> str:
    """Mark approach words the templates left bare (plain "pocket", "fluoroscopy")."""
    out = []
    for seg in parse(markup_text):
        if seg.attrs is not None:
            a = seg.attrs
            flags = [n for n in ("negated", "historical", "hypothetical") if getattr(a, n)]
            if a.count != 1:
                flags.append(f"count={a.count}")
            out.append(sp(seg.text, a.label, a.action if (a.action != "none" or flags) and a.label
                          not in ("VENOUS_ACCESS", "POCKET", "IMAGING", "LEAD_POSITION") else None, *flags))
            continue
        out.append(_BARE.sub(lambda m: sp(m.group(0), "IMAGING" if m.group(0).lower() != "pocket" else "POCKET"),
                             seg.text))
    return "".join(out)


def render(facts: NoteFacts, rng: random.Random) -> str:
    s = facts.scenario
    if s == "S15":
        note = _clinic(facts, rng)
    elif s == "S24":
        note = _consult(facts, rng)
    elif s == "S18":
        note = _nondevice(facts, rng)
    elif s in ("S16", "S17"):
        note = _other_op(facts, rng)
    else:
        note = _ccm_op(facts, rng)
    return _mark_bare(note)


FAMILY = Family(
    name="ehr_fields",
    style="ehr_template",
    description="EHR structured procedure note with Field: value lines, an aligned leads table, "
                "Narrative and Plan; device clinic as a device-check template with a settings table.",
    render=render,
)
