/**
 * A partition is an ordered list of (partition column, value). Its canonical text form is
 * `p1=v1/p2=v2`, with the characters Hive escapes in folder names written as %XX, so the
 * form is also a valid relative folder path and splits back unambiguously.
 */
export type PartitionSpec = [column: string, value: string][];

// Hive's FileUtils.escapePathName set: control characters and "#%'*/:=?\{[]^ and DEL.
const NEEDS_ESCAPE = /[\x00-\x1f"#%'*/:=?\\\x7f{[\]^]/g;

export function escapeValue(v: string): string {
  return v.replace(NEEDS_ESCAPE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Decodes %XX escapes; a `%` not followed by two hex digits is kept as it is (other tools write those). */
export function unescapeValue(v: string): string {
  return v.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function formatSpec(spec: PartitionSpec): string {
  return spec.map(([k, v]) => `${escapeValue(k)}=${escapeValue(v)}`).join('/');
}

export function parseSpec(text: string): PartitionSpec {
  return text.split('/').map((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`'${part}' is not a key=value partition part`);
    return [unescapeValue(part.slice(0, eq)), unescapeValue(part.slice(eq + 1))];
  });
}
