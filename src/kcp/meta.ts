import * as z from 'zod';

/**
 * Kubernetes metadata shared by every kcp object. Loose: unknown fields pass through untouched; only the
 * fields this package reads are validated.
 */
export const objectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
  creationTimestamp: z.string().nullish(),
  deletionTimestamp: z.string().nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  finalizers: z.array(z.string()).nullish(),
  ownerReferences: z
    .array(
      z.looseObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string().optional(),
      }),
    )
    .nullish(),
});
/** Kubernetes `ObjectMeta` (the subset this package reads; other fields are kept). */
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

/** A kcp / cluster-api style condition (`status.conditions[]`). */
export const conditionSchema = z.looseObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']).or(z.string()),
  severity: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});
/** A condition as kcp writes it. */
export type Condition = z.infer<typeof conditionSchema>;

/** Kubernetes `metav1.Status`, the body of every API error. */
export const statusSchema = z.looseObject({
  kind: z.literal('Status').optional(),
  apiVersion: z.string().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
  details: z
    .looseObject({
      name: z.string().optional(),
      group: z.string().optional(),
      kind: z.string().optional(),
      retryAfterSeconds: z.number().optional(),
      causes: z
        .array(
          z.looseObject({
            reason: z.string().optional(),
            message: z.string().optional(),
            field: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
/** Kubernetes `metav1.Status`. */
export type Status = z.infer<typeof statusSchema>;

/** List metadata (`resourceVersion`, `continue`). */
export const listMetaSchema = z.looseObject({
  resourceVersion: z.string().optional(),
  continue: z.string().optional(),
  remainingItemCount: z.number().optional(),
});

/** The wire envelope of a Kubernetes list, before its items are validated one by one. */
export const listEnvelopeSchema = z.looseObject({
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  metadata: listMetaSchema.optional(),
  items: z.array(z.unknown()).nullable(),
});

/** A typed list of objects. */
export interface List<T> {
  /** List resourceVersion (the point a watch continues from). */
  resourceVersion: string;
  /** The items, each validated. */
  items: T[];
}

/** Watch event types sent by a Kubernetes API server. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** The wire envelope of one watch event, before its object is validated. */
export const watchEnvelopeSchema = z.looseObject({
  type: z.enum(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']),
  object: z.looseObject({}),
});

/** A typed watch event. `ERROR` carries the server's `Status`; `BOOKMARK` only a resourceVersion. */
export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; resourceVersion: string }
  | { type: 'ERROR'; status: Status };

/** Annotation holding an object's logical cluster name. */
export const CLUSTER_ANNOTATION = 'kcp.io/cluster';
/** Annotation holding the canonical workspace path of exports and bindings. */
export const PATH_ANNOTATION = 'kcp.io/path';

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * The Kubernetes `Status.reason` that goes with an HTTP status code (client-go's `reasonForCode`), or
 * `undefined` for a code Kubernetes has no reason for.
 */
export function statusReasonForCode(code: number): string | undefined {
  return REASONS[code];
}
