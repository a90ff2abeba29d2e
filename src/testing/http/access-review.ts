import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../harness/auth.js';
import { objAt, strAt } from '../model/json.js';
import { SimHttpError } from '../model/api-errors.js';
import type { Topology } from '../model/topology.js';
import { readJsonBody } from './body.js';
import { sendJson } from './respond.js';

/** True for `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`. */
export function isAccessReviewPath(seg: readonly string[]): boolean {
  return (
    seg.length === 4 &&
    seg[0] === 'apis' &&
    seg[1] === 'authorization.k8s.io' &&
    seg[2] === 'v1' &&
    seg[3] === 'selfsubjectaccessreviews'
  );
}

/**
 * Answers a SelfSubjectAccessReview (POST only) from the simulator's RBAC grants in the request's workspace,
 * like kube-apiserver: 201 with the review and `status.allowed`.
 */
export async function answerAccessReview(
  deps: { auth: Auth; topology: Topology },
  req: IncomingMessage,
  res: ServerResponse,
  user: string,
  cluster: string,
): Promise<void> {
  if (req.method !== 'POST') {
    throw new SimHttpError(405, 'the server does not allow this method on the requested resource');
  }
  const body = await readJsonBody(req);
  const attrs = objAt(objAt(body, 'spec'), 'resourceAttributes');
  const verb = strAt(attrs, 'verb');
  const resource = strAt(attrs, 'resource');
  if (attrs === undefined || verb === undefined || resource === undefined) {
    throw new SimHttpError(
      422,
      'spec.resourceAttributes.verb and spec.resourceAttributes.resource are required',
    );
  }
  const sub = strAt(attrs, 'subresource');
  const ws = deps.topology.resolve(cluster);
  const allowed =
    ws !== undefined &&
    deps.auth.allowed(user, ws.path, sub === undefined || sub === '' ? resource : `${resource}/${sub}`, verb);
  sendJson(res, 201, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: { creationTimestamp: null },
    spec: { resourceAttributes: attrs },
    status: allowed ? { allowed: true, reason: 'granted by the simulator' } : { allowed: false },
  });
}
