/**
 * Objects of a resource an APIExport exports (a provider's own kinds, e.g. `cowboys.wildwest.dev`), as read
 * through a virtual workspace. Their schema is the provider's: only the envelope is checked here.
 */
import * as z from 'zod';
import { InvalidArgumentError } from '../errors.js';
import { objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/**
 * An object of an exported resource: `apiVersion`, `kind`, `metadata` checked, every other field kept as
 * the server sent it (`spec`, `status`, …).
 */
export const exportedObjectSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
});

/** An object of an exported resource: Kubernetes envelope, provider-defined content. */
export type ExportedObject = z.infer<typeof exportedObjectSchema>;

/** Which exported resource: its API group, version and plural resource name (as in the URL). */
export interface ExportedResourceName {
  /** API group, e.g. `wildwest.dev`. */
  group: string;
  /** API version, e.g. `v1alpha1`. */
  version: string;
  /** Plural resource name, e.g. `cowboys`. */
  resource: string;
  /**
   * The kind, e.g. `Cowboy`. When given, objects and lists of another kind are refused; when left out,
   * any kind is accepted.
   */
  kind?: string | undefined;
}

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const GROUP = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * The descriptor of an exported resource, checked: a DNS-subdomain group (or `''` for the core group), a
 * DNS-label version and resource, a kind made of letters and digits.
 * @throws InvalidArgumentError naming the field that is wrong.
 */
export function exportedDescriptor<T extends ExportedObject>(
  name: ExportedResourceName,
): ResourceDescriptor<T> {
  const check = (field: keyof ExportedResourceName, ok: boolean, expected: string): void => {
    if (!ok) {
      throw new InvalidArgumentError(
        `Invalid ${field} ${JSON.stringify(name[field])}: expected ${expected}`,
        field,
      );
    }
  };
  const { group, version, resource, kind } = name as unknown as Partial<Record<string, unknown>>;
  check(
    'group',
    typeof group === 'string' && (group === '' || (group.length <= 253 && GROUP.test(group))),
    'an API group like "wildwest.dev"',
  );
  check('version', typeof version === 'string' && DNS_LABEL.test(version), 'an API version like "v1alpha1"');
  check(
    'resource',
    typeof resource === 'string' && DNS_LABEL.test(resource),
    'a plural resource name like "cowboys"',
  );
  check('kind', kind === undefined || (typeof kind === 'string' && KIND.test(kind)), 'a kind like "Cowboy"');
  return Object.freeze({
    group: name.group,
    version: name.version,
    plural: name.resource,
    kind: name.kind ?? '',
    // Safe: the schema checks the envelope T shares with every exported object; the rest is the provider's.
    schema: exportedObjectSchema as unknown as z.ZodType<T>,
  });
}
