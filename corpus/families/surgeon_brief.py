"""A device surgeon's brief operative note.

Short headers on their own lines without colons (Procedure / Indication /
Technique / Implanted Hardware / Explanted Hardware / Complications / Plan),
clipped sentences, heavy abbreviation (RV, RA, IPG, CCM, pt, s/p, w/, x2,
fluoro), semicolons and hardware lists. Clinic checks and consults are written
in the same clipped way.
"""

from __future__ import annotations

import random

from corpus.facts import Lead, NoteFacts
from corpus.families import Family, route


def m(text: str, label: str, action: str | None = None, *flags: str) -> str:
    attrs = label
    if action or flags:
        attrs += "|" + (action or "none")
    if flags:
        attrs += "|" + ",".join(flags)
    return f"[{text}]({attrs})"


def up(s: str) -> str:
    if s.startswith("["):
        return "[" + s[1:2].upper() + s[2:]
    return s[:1].upper() + s[1:]


def sd(side: str) -> str:
    return "R" if side == "right" else "L"


def who(facts: NoteFacts) -> str:
    return f"{facts.age}{'M' if facts.sex == 'male' else 'F'}"


CM = {"ischemic cardiomyopathy": "ICM", "nonischemic dilated cardiomyopathy": "NICM",
      "idiopathic dilated cardiomyopathy": "idiopathic DCM", "hypertensive cardiomyopathy": "HTN CM"}
SED = {"moderate sedation": "Mod sedation", "monitored anesthesia care": "MAC", "general anesthesia": "GA",
       "conscious sedation": "Conscious sedation"}


def vein(facts: NoteFacts, rng: random.Random) -> str:
    s = rng.choice([sd(facts.side), facts.side])
    t = {"axillary": rng.choice([f"{s} axillary vein", "axillary vein", f"{s} axillary"]),
         "subclavian": rng.choice([f"{s} subclavian vein", f"{s} subclavian", "subclavian vein"]),
         "cephalic": rng.choice([f"{s} cephalic vein", "cephalic vein", f"{s} cephalic"])}[facts.access]
    return m(t, "VENOUS_ACCESS")


def pocket(facts: NoteFacts, rng: random.Random, existing: bool = False) -> str:
    if existing:
        return m(rng.choice(["old pocket", "existing pocket", f"{sd(facts.side)} pocket", "CCM pocket"]), "POCKET")
    if facts.pocket == "subpectoral":
        return m(rng.choice(["subpectoral pocket", f"{sd(facts.side)} subpectoral pocket", "submuscular pocket"]), "POCKET")
    return m(rng.choice(["prepectoral pocket", f"{sd(facts.side)} prepectoral pocket", "subcut pocket"]), "POCKET")


def fl(rng: random.Random) -> str:
    return m(rng.choice(["fluoro", "fluoro", "fluoroscopy"]), "IMAGING")


def lname(lead: Lead, rng: random.Random, prefix: str = "") -> tuple[str, str]:
    if lead.chamber == "atrial":
        t, lab = rng.choice(["RA lead", "RA lead", "atrial lead", "RA sensing lead"]), "ATRIAL_LEAD"
    elif lead.channel in ("RV", "LS", "V1", "V2"):
        t, lab = rng.choice([f"{lead.channel} lead", f"{lead.channel} lead", "RV septal lead"]), "VENTRICULAR_LEAD"
    else:
        t, lab = rng.choice([(lead.channel.capitalize() if not prefix else lead.channel, "LEAD"),
                             (f"RV septal {lead.channel}", "VENTRICULAR_LEAD")])
    return f"{prefix} {t}".strip(), lab


def ld(lead: Lead, rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    t, lab = lname(lead, rng, prefix)
    return m(t, lab, action, *flags)


def many(leads: list[Lead], rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    if len(leads) == 1:
        return ld(leads[0], rng, action, prefix, *flags)
    n = len(leads)
    if all(x.chamber == "ventricular" for x in leads):
        t = rng.choice([f"RV septal leads x{n}", f"RV leads x{n}", f"{n} RV septal leads", f"septal leads x{n}"])
        return m(f"{prefix} {t}".strip(), "VENTRICULAR_LEAD", action, *flags, f"count={n}")
    return m(f"{prefix} leads x{n}".strip(), "LEAD", action, *flags, f"count={n}")


def pos(lead: Lead, rng: random.Random) -> str:
    p = lead.position.replace("right atrial appendage", "RAA").replace("RA appendage", "RAA") if rng.random() < 0.5 else lead.position
    if lead.chamber == "ventricular" and rng.random() < 0.5 and not p.startswith("RV"):
        p = "RV " + p
    return m(p, "LEAD_POSITION")


def nums(lead: Lead, rng: random.Random) -> str:
    w = "P" if lead.chamber == "atrial" else "R"
    return rng.choice([f"{w} {lead.sensing_mv} mV, {lead.impedance_ohm} ohms, thr {lead.threshold_v} V",
                       f"{w} wave {lead.sensing_mv}; Z {lead.impedance_ohm}; thr {lead.threshold_v} V @ 0.5 ms",
                       f"Sensing {lead.sensing_mv} mV / imp {lead.impedance_ohm} / thr {lead.threshold_v} V"])


def ipg(g, rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    t = rng.choice([f"{g.model} IPG", "IPG", "IPG", f"{g.model} generator", "gen"])
    return m(f"{prefix} {t}".strip(), "PULSE_GENERATOR", action, *flags)


def ipg_bare(rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    return m(f"{prefix} {rng.choice(['IPG', 'gen', 'generator'])}".strip(), "PULSE_GENERATOR", action, *flags)


def ccm(rng: random.Random, action: str, model: str | None = None, *flags: str) -> str:
    opts = ["CCM system", "CCM", "CCM device"]
    if model:
        opts += [model]
    return m(rng.choice(opts), "CCM_SYSTEM", action, *flags)


def icd_short(facts: NoteFacts) -> str:
    k = facts.icd.kind
    return {"single-chamber ICD": "single-ch ICD", "dual-chamber ICD": "dual-ch ICD", "subcutaneous ICD": "S-ICD"}.get(k, k)


def indication(facts: NoteFacts, rng: random.Random) -> str:
    s = facts.scenario
    bits = [f"{who(facts)}, {CM[facts.cardiomyopathy]}, EF {facts.ef}%, NYHA {facts.nyha}"]
    if s in ("S1", "S2", "S3", "S23", "S19", "S20", "S21"):
        bits.append(f"QRS {facts.qrs_ms} ms, not a CRT candidate")
    if facts.icd:
        bits.append(f"{sd(facts.icd.side)} {m(icd_short(facts), 'OTHER_DEVICE', 'none', 'historical')} in place (prior implant)")
    old = facts.generator_with("removed", "retained", "repositioned")
    g = facts.new_generator
    if s == "S4":
        r = g.reason
        hl = m("RV leads x2", "VENTRICULAR_LEAD", "none", "historical", "count=2")
        if "infection" in r:
            bits.append(f"s/p {m('CCM IPG', 'PULSE_GENERATOR', 'none', 'historical')} explant for superficial pocket infection w/ {hl} capped; abx complete; here for re-implant of gen")
        elif "unavailable" in r:
            bits.append(f"{hl} placed at index case, no gen available that day; here for gen")
        else:
            bits.append(f"staged implant; {hl} placed several wks ago; here for gen")
    elif old is not None:
        yr = facts.original_implant_year
        bits.append(f"s/p {m(old.model, 'CCM_SYSTEM', 'none', 'historical')} {yr}" if yr else f"existing {ccm(rng, 'none', old.model)}")
        extra = {
            "S5": f"{ipg_bare(rng, 'none')} at {old.reason}",
            "S12": f"{ipg_bare(rng, 'none')} at {old.reason}; one {m('RV lead', 'VENTRICULAR_LEAD', 'none')} w/ rising Z and noise",
            "S13": f"{old.reason}; plan complete system removal",
            "S6": f"poor CCM delivery from timing; add {m('RA lead', 'ATRIAL_LEAD', 'none', 'hypothetical')}",
            "S7": f"{m('RA lead', 'ATRIAL_LEAD', 'none')} w/ intermittent undersensing, Z rising",
            "S8": f"{m('RV lead', 'VENTRICULAR_LEAD', 'none')} malfunction (high Z)",
            "S9": f"{m('RV lead', 'VENTRICULAR_LEAD', 'none')} malfunction (high Z)",
            "S10": f"both {m('RV leads', 'VENTRICULAR_LEAD', 'none', 'count=2')} failing",
            "S11": f"{m('septal lead', 'VENTRICULAR_LEAD', 'none')} dislodged on CXR, loss of capture",
            "S14": f"painful {m('pocket', 'POCKET')}, {ipg_bare(rng, 'none')} migrated laterally",
            "S22": f"{ipg_bare(rng, 'none')} at {old.reason}, both chronic leads failed",
        }.get(s)
        if extra:
            bits.append(extra)
    return "; ".join(bits) + "."


def procedure_line(facts: NoteFacts, rng: random.Random) -> str:
    g = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    ins = facts.leads_with("inserted")
    parts = []
    if g and ins and not old:
        parts.append(f"New {ccm(rng, 'inserted', g.model)} implant: {ipg(g, rng, 'inserted')} + {many(ins, rng, 'inserted')}")
    else:
        if old and old.fate == "removed":
            parts.append(f"{ipg(old, rng, 'removed', 'old')} explant")
        if g:
            parts.append(f"new {ipg(g, rng, 'inserted')}")
        if ins:
            parts.append(f"new {many(ins, rng, 'inserted')}")
        for fate, w in (("removed", "extracted"), ("abandoned", "capped/abandoned"), ("repositioned", "repositioned")):
            ls = facts.leads_with(fate)
            if ls:
                parts.append(f"{many(ls, rng, fate, 'old' if fate != 'repositioned' else '')} {w}")
        if old and old.fate == "repositioned":
            parts.append(f"{ipg_bare(rng, 'repositioned')} moved to {m(facts.new_pocket, 'POCKET')}")
    if facts.stopped_early:
        parts.append(f"no {m('IPG', 'PULSE_GENERATOR', 'none', 'negated')} (stopped)")
    s = facts.scenario
    vague = {"S5": "Gen change", "S7": "Lead revision", "S8": "Lead revision", "S9": "Lead revision",
             "S10": "Lead revision", "S11": "Lead revision", "S12": "Gen change + lead revision",
             "S14": "Pocket revision", "S13": "CCM explant"}.get(s)
    line = "; ".join(parts)
    if vague and rng.random() < 0.5:
        line = f"{vague} - {line}"
    else:
        line = up(line)
    return line


def technique(facts: NoteFacts, rng: random.Random) -> list[str]:
    side = sd(facts.side)
    g = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    ins = facts.leads_with("inserted")
    ret = facts.leads_with("retained")
    out = []
    first = f"{SED[facts.sedation]}. {side} chest prepped/draped; 1% lido{rng.choice(['', ' w/ epi'])}. {rng.choice(['Ancef', 'Vanc', 'Cefazolin 2 g'])} pre-incision."
    if facts.icd:
        first += f" {up(m(icd_short(facts), 'OTHER_DEVICE', 'retained'))} tachy tx off, pads on."
    if rng.random() < 0.6:
        first = rng.choice(["Consent signed; time-out done. ", "Pt supine, time-out. ", "Consent on chart. Time-out. "]) + first
    out.append(first)
    if facts.venogram and ins:
        out.append(f"{m('Venogram', 'IMAGING')}: patent {vein(facts, rng)}.")
    existing = old is not None or facts.scenario == "S4" or (bool(ret) and not ins)
    if existing:
        out.append(rng.choice([f"Old incision opened; into {pocket(facts, rng, True)}.", f"Reopened {pocket(facts, rng, True)} w/ cautery."]))
    else:
        out.append(rng.choice([f"{rng.choice(['4', '5'])} cm infraclavicular incision; {pocket(facts, rng)} made.",
                               f"Incision below {side} clavicle, {pocket(facts, rng)} w/ blunt dissection."]))
    if old is not None:
        if old.fate == "removed":
            out.append(f"{up(ipg(old, rng, 'removed', 'old'))} freed from capsule, disconnected, explanted.")
        else:
            out.append(f"{up(ipg_bare(rng, old.fate, 'existing'))} out of pocket, leads disconnected.")
    if ret:
        if facts.scenario == "S4":
            out.append(f"Caps off {many(ret, rng, 'retained', 'existing')}; tested OK.")
        else:
            out.append(f"{up(many(ret, rng, 'retained', 'chronic'))} tested, acceptable; kept.")
    for lead in facts.leads_with("removed"):
        out.append(rng.choice([f"{up(ld(lead, rng, 'removed', 'old'))} ({pos(lead, rng)}): sleeve freed, locking stylet, helix retracted, extracted w/ traction under {fl(rng)}; tip intact.",
                               f"{up(ld(lead, rng, 'removed', 'old'))} extracted intact w/ locking stylet."]))
    ab = facts.leads_with("abandoned")
    if ab:
        out.append(rng.choice([f"{up(many(ab, rng, 'abandoned', 'old'))} capped, sutured down, left in pocket.",
                               f"{up(many(ab, rng, 'abandoned', 'old'))} abandoned; cap placed and buried."]))
    if ins:
        n = len(ins)
        if facts.access == "cephalic":
            out.append(f"{up(vein(facts, rng))} cutdown; {'wires x' + str(n) if n > 1 else 'wire'} to IVC under {fl(rng)}.")
        else:
            out.append(f"{up(vein(facts, rng))} access{' x' + str(n) if n > 1 else ''} under {fl(rng)}, micropuncture; {'7 Fr sheaths' if n > 1 else '7 Fr sheath'}.")
        for lead in [x for x in ins if x.chamber == "ventricular"] + [x for x in ins if x.chamber == "atrial"]:
            if lead.chamber == "ventricular":
                out.append(rng.choice([
                    f"{up(ld(lead, rng, 'inserted'))} ({lead.model}) -> {pos(lead, rng)}; LAO confirms septal; COI +. {nums(lead, rng)}.",
                    f"{up(ld(lead, rng, 'inserted'))} ({lead.model}) screwed in at {pos(lead, rng)}, septal on RAO/LAO. {nums(lead, rng)}.",
                ]))
            else:
                out.append(f"{up(ld(lead, rng, 'inserted'))} ({lead.model}) -> {pos(lead, rng)}, J stylet, helix out. {nums(lead, rng)}.")
        if sum(1 for x in ins if x.chamber == "ventricular") == 2:
            out.append("RV leads >2 cm apart.")
        out.append(rng.choice(["Sheaths peeled. Sleeves tied w/ 2-0 silk.", "Sheaths out; leads sutured to pec fascia, 0 silk.", "Sleeves secured x" + str(n) + "."]))
        if rng.random() < 0.5:
            out.append(rng.choice(["Slack checked on fluoro w/ deep breath.", "Good slack; no ectopy at rest.", "Pacing at 10 V: no diaphragm capture on either lead."]))
    for lead in facts.leads_with("repositioned"):
        out.append(f"{up(ld(lead, rng, 'repositioned', 'dislodged'))}: sleeve off, stylet in, helix retracted; moved to {pos(lead, rng)} under {fl(rng)}; helix redeployed; {nums(lead, rng)}; sleeve re-tied.")
    st = facts.settings
    if facts.stopped_early:
        n = len(ins)
        out.append(f"Case stopped: {facts.stop_reason}. {m('Leads' if n > 1 else 'Lead', 'LEAD', 'inserted', *([f'count={n}'] if n > 1 else []))} capped and left in pocket for staged gen.")
    else:
        if g:
            out.append(f"Leads -> {ipg(g, rng, 'inserted', 'new')}; set screws tight; tug test OK.")
            if rng.random() < 0.4:
                out.append(rng.choice(["Absorbable antibacterial envelope used.", "Gen anchored to fascia w/ 2-0 silk.", "Pocket hemostasis w/ cautery; no ooze."]))
        elif old is not None and old.fate == "repositioned":
            out.append(f"New {m(facts.new_pocket, 'POCKET')} created; {ipg_bare(rng, 'repositioned')} reconnected and moved there; old pocket space closed.")
        elif old is not None and old.fate == "retained":
            out.append(f"Leads back on {ipg_bare(rng, 'retained', 'existing')}.")
        if g or (old is not None and old.fate in ("retained", "repositioned")):
            out.append(rng.choice([f"CCM test 7.5 V: no diaphragm/pec stim, pt feels nothing. Programmed {st.amplitude_v} V, TD {st.train_delay_ms} ms, {st.hours_per_day} h/d ({st.programmer}).",
                                   f"CCM on at max output, no extracardiac stim. Final {st.amplitude_v} V / train delay {st.train_delay_ms} ms / {st.hours_per_day} h per day via {st.programmer}."]))
        if old is not None and old.fate == "removed" and not g:
            out.append("Capsulectomy; cx sent.")
    if facts.icd:
        out.append(f"{up(m(icd_short(facts), 'OTHER_DEVICE', 'retained'))} tx back on" + ("." if facts.stopped_early else "; no CCM oversensing."))
    out.append(rng.choice(["Irrigated; closed 3 layers; Dermabond.", "Abx irrigation, layered closure, Steri-Strips.",
                           "Pocket irrigated; 2-0/3-0 Vicryl, 4-0 Monocryl subq; glue."]))
    return out


def hardware_lists(facts: NoteFacts, rng: random.Random) -> tuple[list[str], list[str]]:
    imp, exp = [], []
    g = facts.new_generator
    if g:
        imp.append(m(f"{g.model} IPG", "PULSE_GENERATOR", "inserted"))
    for lead in facts.leads_with("inserted"):
        imp.append(f"{ld(lead, rng, 'inserted')}, {lead.model}, {pos(lead, rng)}")
    old = facts.generator_with("removed")
    if old:
        exp.append(f"{m(old.model + ' IPG', 'PULSE_GENERATOR', 'removed')}" + (f" (implanted {old.implant_year})" if old.implant_year else ""))
    for lead in facts.leads_with("removed"):
        exp.append(f"{ld(lead, rng, 'removed')}, {lead.model}")
    return imp, exp


def op_note(facts: NoteFacts, rng: random.Random) -> str:
    blocks = [f"Procedure\n{procedure_line(facts, rng)}", f"Indication\n{indication(facts, rng)}"]
    tech = technique(facts, rng)
    if rng.random() < 0.5:
        blocks.append("Technique\n" + " ".join(tech))
    else:
        blocks.append("Technique\n" + "\n".join(f"- {x}" for x in tech))
    imp, exp = hardware_lists(facts, rng)
    blocks.append("Implanted Hardware\n" + ("\n".join(f"- {x}" for x in imp) if imp else "None."))
    ab = facts.leads_with("abandoned")
    if exp or rng.random() < 0.7:
        body = "\n".join(f"- {x}" for x in exp) if exp else "None."
        if ab:
            body += f"\n(Abandoned, not explanted: {many(ab, rng, 'abandoned', 'old')}.)"
        blocks.append("Explanted Hardware\n" + body)
    comp = (f"{facts.stop_reason.capitalize()}; see above." if facts.stopped_early else rng.choice(["None.", "None apparent.", "None; no pneumo on fluoro."]))
    blocks.append(f"Complications\n{comp} EBL {rng.choice(['<10', '10', '15', '20', 'min'])}{'' if False else ' mL' if rng.random() < 0.8 else ''}. Fluoro {facts.fluoro_min} min.")
    if facts.stopped_early:
        plan = f"Staged return for {m('IPG', 'PULSE_GENERATOR', 'none', 'hypothetical')} once stable. Obs overnight."
    elif facts.generator_with("removed") and not facts.new_generator:
        plan = f"IV abx per ID; f/u cultures. Consider re-implant of {ccm(rng, 'none', None, 'hypothetical')} after clearance."
    else:
        plan = rng.choice([f"CXR. Arm precautions 4 wks. Charger teaching ({facts.settings.charger}). Wound check 7-10 d.",
                           f"PA/lat CXR in AM; d/c if OK. {facts.settings.charger} charging daily. Device clinic 2 wks."])
    blocks.append(f"Plan\n{plan}")
    return "\n\n".join(blocks)


def aborted(facts: NoteFacts, rng: random.Random) -> str:
    r = facts.stop_reason
    t = [f"{SED[facts.sedation]}. {sd(facts.side)} chest prepped/draped."]
    if facts.icd:
        t.append(f"{up(m(icd_short(facts), 'OTHER_DEVICE', 'retained'))} tx off.")
    if "venous" in r:
        t.append(f"{m('Venogram', 'IMAGING')}: occluded {vein(facts, rng)}, collaterals only; wire won't pass under {fl(rng)}.")
    elif "pneumothorax" in r:
        t.append(f"1st needle pass at {vein(facts, rng)} under {fl(rng)} -> air; PTX on fluoro; pigtail placed.")
    elif "hypotension" in r:
        t.append("Sustained hypotension after sedation despite fluids/pressors.")
    else:
        t.append("Pt agitated despite more sedation; unsafe to continue.")
    t.append(f"Aborted before incision/hardware. No {m('leads', 'LEAD', 'none', 'negated')}, no {m('IPG', 'PULSE_GENERATOR', 'none', 'negated')} placed.")
    return "\n\n".join([
        f"Procedure\nAttempted {ccm(rng, 'none', None, 'hypothetical')} implant - aborted",
        f"Indication\n{indication(facts, rng)}",
        "Technique\n" + " ".join(t),
        "Implanted Hardware\nNone.",
        f"Complications\n{r.capitalize()}.",
        f"Plan\nReschedule {m('CCM implant', 'CCM_SYSTEM', 'none', 'hypothetical')}" + (" from contralateral side." if "venous" in r else " under GA." if "agitation" in r else " when stable.") + " Obs.",
    ])


def ccmd(facts: NoteFacts, rng: random.Random) -> str:
    leads = facts.leads_with("inserted")
    t = [f"{SED[facts.sedation]}. {pocket(facts, rng)}; {vein(facts, rng)} access under {fl(rng)}."]
    for lead in leads:
        t.append(f"{up(ld(lead, rng, 'inserted'))} -> {pos(lead, rng)}. {nums(lead, rng)}.")
    t.append(f"Leads -> {m('Integra CCM-D IPG', 'PULSE_GENERATOR', 'inserted')}. CCM test 7.5 V no stim. DFT {rng.choice(['not done', 'deferred'])}. Layered closure.")
    return "\n\n".join([
        f"Procedure\n{m('OPTIMIZER Integra CCM-D', 'CCM_SYSTEM', 'inserted')} implant (CCM + defib) w/ {many(leads, rng, 'inserted')}",
        f"Indication\n{indication(facts, rng)} Also primary-prevention ICD indication -> combined CCM-D.",
        "Technique\n" + " ".join(t),
        "Implanted Hardware\n" + f"- {m('OPTIMIZER Integra CCM-D IPG', 'PULSE_GENERATOR', 'inserted')}\n" + "\n".join(f"- {ld(x, rng, 'inserted')}, {x.model}" for x in leads),
        f"Complications\nNone. Fluoro {facts.fluoro_min} min.",
        "Plan\nCXR. Device clinic 2 wks.",
    ])


def other(facts: NoteFacts, rng: random.Random) -> str:
    dev = facts.other_devices[-1]
    O = lambda t, a: m(t, "OTHER_DEVICE", a)
    k, w = dev.kind, dev.work
    s = sd(dev.side)
    acc = m(f"{s} axillary vein", "VENOUS_ACCESS")
    pk = m(f"{s} chest pocket", "POCKET")
    ind = {"dual-chamber pacemaker": "SSS w/ symptomatic pauses", "dual-chamber ICD": "primary prevention",
           "ICD": "ICD at ERI" if w == "generator change" else "ICD lead fracture", "CRT-D": "LBBB, EF down",
           "pacemaker": "PPM at ERI", "leadless pacemaker": "brady, perm AF", "loop recorder": "recurrent syncope",
           "spinal cord stimulator": "FBSS, IPG EOS", "vagus nerve stimulator": "refractory epilepsy, battery depleted",
           "hypoglossal nerve stimulator": "OSA, CPAP intolerant", "baroreflex activation system": "HFrEF, not CRT candidate",
           "Port-A-Cath": "needs long-term chemo"}.get(k, "device indication")
    imp, exp = [], []
    if k == "leadless pacemaker":
        line = f"{O('Leadless pacemaker', 'inserted')} implant"
        t = [f"{m('R femoral vein', 'VENOUS_ACCESS')} access w/ US; 27 Fr sheath.", f"{O('Leadless PPM', 'inserted')} deployed RV septum under {fl(rng)}; tug test OK; R 10 mV, thr 0.5 V.", "Fig-of-8 stitch."]
        imp.append(O(f"{dev.maker} leadless pacemaker", "inserted"))
    elif k == "loop recorder":
        line = f"{O('ILR', 'inserted')} insertion"
        t = [f"Small L parasternal incision; {O('loop recorder', 'inserted')} placed w/ tool; R waves adequate. Steri-Strips."]
        imp.append(O("ILR", "inserted"))
    elif k == "Port-A-Cath":
        line = f"{O('Port-A-Cath', 'inserted')} placement"
        t = [f"{m(s + ' IJ vein', 'VENOUS_ACCESS')} access w/ US; {m('subcut pocket', 'POCKET')} made; {O('catheter', 'inserted')} tunneled, tip at cavoatrial jxn on {fl(rng)}; {O('port', 'inserted')} sutured, flushes/draws."]
        imp.append(O("Port-A-Cath", "inserted"))
    elif k in ("spinal cord stimulator", "vagus nerve stimulator"):
        nm = "SCS IPG" if k.startswith("spinal") else "VNS generator"
        line = f"{O(nm, 'removed')} replacement"
        t = [f"Old incision opened; {O('old ' + nm, 'removed')} out; {O('leads' if k.startswith('spinal') else 'VNS lead', 'retained')} disconnected and tested OK; {O('new ' + nm, 'inserted')} connected, impedances normal."]
        imp.append(O(nm, "inserted"))
        exp.append(O(nm, "removed"))
    elif k == "hypoglossal nerve stimulator":
        line = f"{O('Hypoglossal nerve stimulator', 'inserted')} implant"
        t = [f"Submandibular incision; {O('cuff electrode', 'inserted')} on HGN protrusor branches; {O('sensing lead', 'inserted')} intercostal; {O('IPG', 'inserted')} in {m('R infraclavicular pocket', 'POCKET')}; tongue protrusion w/ stim."]
        imp.append(O("HGNS IPG + leads", "inserted"))
    elif k == "baroreflex activation system":
        line = f"{O('Barostim', 'inserted')} implant"
        t = [f"Carotid bifurcation exposed; {O('carotid sinus lead', 'inserted')} mapped/sutured; tunneled to {m('R infraclavicular pocket', 'POCKET')}; {O('Barostim IPG', 'inserted')} connected."]
        imp.append(O("Barostim IPG", "inserted"))
    elif w == "generator change":
        nm = "ICD" if "ICD" in k else "PPM"
        line = f"{nm} gen change"
        t = [f"{up(pk)} opened; {O('old ' + nm + ' gen', 'removed')} out; {O(nm + ' leads', 'retained')} tested OK; {O('new ' + nm + ' gen', 'inserted')} connected."]
        imp.append(O(f"{dev.maker} {nm} generator", "inserted"))
        exp.append(O(f"{nm} generator", "removed"))
    elif w == "upgrade":
        line = f"Upgrade to {O('CRT-D', 'inserted')}"
        t = [f"{up(pk)} opened; {O('ICD gen', 'removed')} out.", f"{up(acc)} access under {fl(rng)}; CS cannulated, {m('CS venogram', 'IMAGING')}; {O('LV lead', 'inserted')} to lateral branch, no phrenic stim.", f"All leads -> {O('CRT-D gen', 'inserted')}."]
        imp += [O("CRT-D generator", "inserted"), O("LV lead", "inserted")]
        exp.append(O("ICD generator", "removed"))
    elif w == "lead revision":
        line = f"{O('ICD lead', 'inserted')} revision"
        t = [f"{up(pk)} opened; {O('ICD gen', 'retained')} disconnected; {O('old ICD lead', 'abandoned')} capped.", f"{up(acc)} access under {fl(rng)}; {O('new RV ICD lead', 'inserted')} to apex; reconnected."]
        imp.append(O("RV defibrillator lead", "inserted"))
    else:
        nm = "ICD" if "ICD" in k else "PPM"
        line = f"{O(k, 'inserted')} implant"
        t = [f"{up(pk)} made; {acc} x2 under {fl(rng)}; {O('RA lead', 'inserted')} -> RAA, {O('RV lead', 'inserted')} -> RV septum; leads -> {O(nm + ' gen', 'inserted')}."]
        imp.append(O(f"{dev.maker} {nm} + RA/RV leads", "inserted"))
    pre = [f"{SED[facts.sedation]}. Prepped/draped; local lido."]
    ind_line = f"{who(facts)}; {ind}."
    if facts.device_family == "ccm":
        g = facts.old_generator
        ind_line += f" Also has {sd(facts.side)} {m(g.model, 'CCM_SYSTEM', 'none', 'historical')} ({facts.original_implant_year})."
        pre.append(f"{m('CCM', 'CCM_SYSTEM', 'retained')} therapy paused w/ programmer; {ipg_bare(rng, 'retained', 'CCM')} not touched.")
        if facts.evaluation == "interrogation":
            t.append(f"End of case: {m(g.model, 'CCM_SYSTEM', 'retained')} interrogated ({facts.settings.programmer}); {m('RV leads x2', 'VENTRICULAR_LEAD', 'retained', 'count=2')} normal; no changes; CCM back on.")
        else:
            t.append("CCM therapy back on at end.")
    t.append("Layered closure." if k not in ("loop recorder", "leadless pacemaker") else "Dressing.")
    return "\n\n".join([
        f"Procedure\n{line}", f"Indication\n{ind_line}", "Technique\n" + " ".join(pre + t),
        "Implanted Hardware\n" + "\n".join(f"- {x}" for x in imp),
        "Explanted Hardware\n" + ("\n".join(f"- {x}" for x in exp) if exp else "None."),
        "Complications\nNone. EBL min.",
        "Plan\nWound check 7-10 d. Routine device f/u.",
    ])


def clinic(facts: NoteFacts, rng: random.Random) -> str:
    g = facts.old_generator
    st = facts.settings
    inter = [f"{up(ipg(g, rng, 'tested'))} interrogated in person ({st.programmer}). Batt OK. CCM delivered {rng.choice([85, 91, 95, 97])}% of scheduled."]
    for lead in facts.leads_with("untouched"):
        inter.append(f"{up(ld(lead, rng, 'tested'))}: {nums(lead, rng)}.")
    if facts.evaluation == "programming":
        ch = "Changes\n" + "\n".join(f"- {x}" for x in facts.programming_changes) + "\nRetested after each change; final values OK."
    else:
        ch = "Changes\nNone; interrogation only."
    return "\n\n".join([
        "CCM Device Check",
        f"Indication\n{who(facts)}, {CM[facts.cardiomyopathy]}, EF {facts.ef}%; {m(g.model, 'CCM_SYSTEM', 'tested')} since {facts.original_implant_year}. Charging w/ {st.charger}; "
        + rng.choice(["feels better", "no complaints", "mild chest wall buzzing at times"]) + "." + (f" Also has {m(icd_short(facts), 'OTHER_DEVICE', 'none')}." if facts.icd else ""),
        "Interrogation\n" + " ".join(inter),
        ch,
        f"Plan\nContinue {st.hours_per_day} h/d. Remote q3 mo; in-person {rng.choice(['3', '6'])} mo.",
    ])


def consult(facts: NoteFacts, rng: random.Random) -> str:
    plan = facts.planned
    hw = f"{m('RV septal leads x2', 'VENTRICULAR_LEAD', 'none', 'hypothetical', 'count=2')}"
    if "atrial" in plan:
        hw += f" + {m('RA lead', 'ATRIAL_LEAD', 'none', 'hypothetical')}"
    return "\n\n".join([
        "EP Consult",
        f"Indication\n{who(facts)}, {CM[facts.cardiomyopathy]}, EF {facts.ef}%, NYHA {facts.nyha} on GDMT; QRS {facts.qrs_ms} ms." + (f" {sd(facts.icd.side)} {m(icd_short(facts), 'OTHER_DEVICE', 'none', 'historical')} in place." if facts.icd else ""),
        f"Assessment\nNarrow-QRS HFrEF, symptomatic; reasonable candidate for {m('CCM', 'CCM_SYSTEM', 'none', 'hypothetical')}.",
        "Plan\n" + ("- Repeat echo first; proceed if EF 25-45%.\n" if "echocardiogram" in plan else "")
        + f"- Plan {m('CCM system', 'CCM_SYSTEM', 'none', 'hypothetical')}: {hw}, {m(sd(facts.side) + ' prepectoral pocket', 'POCKET')}.\n- Risks reviewed; pt agrees. Schedule.",
    ])


def non_device(facts: NoteFacts, rng: random.Random) -> str:
    icd = f" Has {m(icd_short(facts), 'OTHER_DEVICE', 'none')}." if facts.icd else ""
    if facts.ccm_meaning == "chronic care management":
        return "\n\n".join(["CCM (Chronic Care Mgmt) - monthly",
                            f"Indication\n{who(facts)}; HFrEF EF {facts.ef}%, DM2, CKD3.{icd}",
                            f"Time\n{rng.choice([20, 30, 40])} min non-face-to-face this month: med rec, weight log review, PCP/cards coordination.",
                            "Plan\nContinue CCM enrollment; call next month."])
    return "\n\n".join(["Neurosurgery f/u",
                        f"Indication\n{who(facts)}; cerebral cavernous malformation (CCM), incidental; {CM[facts.cardiomyopathy]}.{icd}",
                        "Assessment\nMRI stable, no bleed.",
                        "Plan\nObserve; MRI 1 yr."])


def render(facts: NoteFacts, rng: random.Random) -> str:
    return route(facts, rng, non_device=non_device, other_device=other, ccm_d=ccmd, clinic=clinic, consult=consult, aborted=aborted, procedure=op_note)


FAMILY = Family(
    name="surgeon_brief",
    style="terse",
    description="Surgeon's brief op note: colon-less short headers, clipped abbreviated sentences, hardware lists.",
    render=render,
)
