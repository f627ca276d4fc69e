import { Type } from '@sinclair/typebox';
import { decodeStored } from '../store/stored-json.js';
/**
 * Who may do what: RAM-style statements over MMS actions (`odps:ListMmsJobs`, `odps:*`, …) and
 * resources (`datasource/3`, `datasource/*`, `*`, or MMS's ARNs `acs:odps:*:*:mmsdatasource/3`).
 * A Deny that matches wins; otherwise an Allow must match. Pure.
 */
export interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export interface Policy {
  statements: Statement[];
}

const PolicySchema = Type.Object({
  statements: Type.Array(Type.Object({ effect: Type.Union([Type.Literal('Allow'), Type.Literal('Deny')]), actions: Type.Array(Type.String()), resources: Type.Array(Type.String()) })),
});

/** An access key's policy as the store keeps it. */
export const decodePolicy = (text: string): Policy => decodeStored(PolicySchema, text, 'access key policy');

export const ADMINISTRATOR: Policy = { statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'] }] };

/** `*` matches any run of characters; everything else literally. Actions compare case-insensitively, as RAM's do. */
function matches(pattern: string, value: string, caseless: boolean): boolean {
  const esc = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${esc.join('.*')}$`, caseless ? 'i' : '').test(value);
}

/**
 * A resource pattern in OpenMMS's form: MMS policies name data sources by ARN,
 * `acs:odps:<region>:<account>:mmsdatasource/<id>`; OpenMMS has one region and one account, so
 * those two parts may be anything.
 */
export function resourcePattern(r: string): string {
  const arn = /^acs:odps:[^:]*:[^:]*:(?:mmsdatasource\/)?(.*)$/.exec(r);
  if (!arn) return r;
  return arn[1] === '*' && !r.endsWith('mmsdatasource/*') ? '*' : `datasource/${arn[1]}`;
}

const resourceMatches = (pattern: string, resource: string) => matches(resourcePattern(pattern), resource, false);

const applies = (s: Statement, action: string, resource: string) =>
  s.actions.some((a) => matches(a, action, true)) && s.resources.some((r) => resourceMatches(r, resource));

export function allows(policy: Policy, action: string, resource: string): boolean {
  if (policy.statements.some((s) => s.effect === 'Deny' && applies(s, action, resource))) return false;
  return policy.statements.some((s) => s.effect === 'Allow' && applies(s, action, resource));
}

/**
 * Like `allows`, but only a statement that names the action itself counts (`*` and `openmms:*` do
 * not): for permissions that weaken a safeguard, which no administrator should get by accident.
 */
export function allowsExplicitly(policy: Policy, action: string, resource: string): boolean {
  if (!allows(policy, action, resource)) return false;
  return policy.statements.some((s) => s.effect === 'Allow' && s.actions.some((a) => a.toLowerCase() === action.toLowerCase()) && s.resources.some((r) => resourceMatches(r, resource)));
}

/** Which data sources a list call may show: all but `exclude`, or only `include`. */
export type SourceFilter = { exclude: number[] } | { include: number[] };

export function allowedSources(policy: Policy, action: string): SourceFilter {
  const ids = (effect: Statement['effect']) => {
    const out = new Set<number>();
    let wildcard = false;
    for (const s of policy.statements) {
      if (s.effect !== effect || !s.actions.some((a) => matches(a, action, true))) continue;
      for (const r of s.resources.map(resourcePattern)) {
        const m = /^datasource\/(\d+)$/.exec(r);
        if (m) out.add(Number(m[1]));
        else if (matches(r, 'datasource/1', false) || r === 'datasource/*') wildcard = true;
      }
    }
    return { wildcard, ids: [...out].sort((a, b) => a - b) };
  };
  const deny = ids('Deny');
  if (deny.wildcard) return { include: [] };
  const allow = ids('Allow');
  if (allow.wildcard) return { exclude: deny.ids };
  return { include: allow.ids.filter((id) => !deny.ids.includes(id)) };
}
