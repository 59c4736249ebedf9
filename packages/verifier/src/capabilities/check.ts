/**
 * The capabilities step of the gate (DESIGN §7 step 4), both directions:
 *   imports ⇒ declared: every import (and served export) the WASI table maps
 *     to a capability needs a declared capability that satisfies it (error),
 *     and a declared capability no import needs is reported (warning);
 *   declared ⇒ granted: every declared capability must lie inside an allow
 *     pattern and touch no deny pattern — deny wins (DESIGN §6).
 * All matching goes through the grammar module's `grants` / `overlaps`.
 */
import { grants, overlaps, parseCapability, requirementFor, type Capability } from '@wpack/manifest';
import { type ComponentInterface } from '@wpack/component';
import type { GateFinding } from '../gate/findings.js';
import type { PolicyCapability } from '../policy/load.js';

export interface CapabilityGrants {
  allow: PolicyCapability[];
  deny: PolicyCapability[];
}

export function checkCapabilities(component: ComponentInterface, declaredTexts: string[], policy: CapabilityGrants): GateFinding[] {
  const declared = declaredTexts.map((text) => ({ text, cap: parseCapability(text) }));
  const used = new Set<string>();
  const findings: GateFinding[] = [];

  const externs = [
    ...component.imports.map((e) => ({ name: e.name, direction: 'import' as const })),
    ...component.exports.map((e) => ({ name: e.name, direction: 'export' as const })),
  ];
  for (const e of externs) {
    const req = requirementFor(e.name, e.direction);
    if (req === null) continue;
    const satisfying = declared.filter((d) => req.satisfiedBy(d.cap));
    for (const d of satisfying) used.add(d.text);
    if (satisfying.length > 0) continue;
    findings.push({
      code: 'CAPABILITY_UNDECLARED',
      severity: 'error',
      step: 'capabilities',
      subject: e.name,
      message: `the component ${e.direction === 'import' ? 'imports' : 'exports'} ${e.name} (${req.description}), but wpack.json declares no capability for it`,
      why: 'a bundle must say what it can reach: an undeclared import is access nobody reviewed',
      fix: req.suggested !== undefined ? `declare "${req.suggested}" (or narrower) in wpack.json capabilities and rebuild the bundle` : `declare a capability for ${req.interface} in wpack.json and rebuild the bundle`,
    });
  }
  for (const d of declared) {
    if (used.has(d.text)) continue;
    findings.push({
      code: 'CAPABILITY_UNUSED',
      severity: 'warning',
      step: 'capabilities',
      subject: d.text,
      message: `wpack.json declares ${d.text}, but no import of the component needs it`,
      why: 'an unused capability asks the host for access the component cannot use; it widens what a policy must grant',
      fix: `remove "${d.text}" from wpack.json capabilities`,
    });
  }
  for (const d of declared) findings.push(...grantFindings(d.text, d.cap, policy));
  if (!findings.some((f) => f.severity === 'error')) {
    findings.unshift({
      code: 'CAPABILITIES_GRANTED',
      severity: 'info',
      step: 'capabilities',
      message: declared.length === 0 ? 'the component needs and declares no capability' : `${String(declared.length)} declared capabilit${declared.length === 1 ? 'y' : 'ies'}, all granted: ${declared.map((d) => d.text).join(', ')}`,
    });
  }
  return findings;
}

function grantFindings(text: string, cap: Capability, policy: CapabilityGrants): GateFinding[] {
  const denied = policy.deny.filter((p) => overlaps(p.pattern, cap));
  if (denied.length > 0) {
    return [
      {
        code: 'CAPABILITY_DENIED',
        severity: 'error',
        step: 'capabilities',
        subject: text,
        message: `${text} is denied by the policy (${denied.map((d) => d.text).join(', ')})`,
        why: 'it reaches something the deny list names, and deny wins over allow',
        fix: `narrow ${text} in wpack.json to stay clear of ${denied.map((d) => d.text).join(', ')}, or change the host policy`,
      },
    ];
  }
  if (policy.allow.some((p) => grants(p.pattern, cap))) return [];
  const sameKind = policy.allow.filter((p) => p.pattern.kind === cap.kind).map((p) => p.text);
  return [
    {
      code: 'CAPABILITY_NOT_GRANTED',
      severity: 'error',
      step: 'capabilities',
      subject: text,
      message: `${text} is not granted by the policy`,
      why: sameKind.length > 0 ? `no allow entry contains all of it (closest of its kind: ${sameKind.join(', ')}); what is not allowed is denied` : `the policy allows nothing of kind ${cap.kind}; what is not allowed is denied`,
      fix: `narrow ${text} in wpack.json to fit an allow entry, or add a pattern covering it to the policy's capabilities.allow`,
    },
  ];
}
