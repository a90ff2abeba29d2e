/**
 * A provider controller for the `cowboys.wildwest.dev` export: it watches the Cowboys of every consumer
 * cluster, on every shard, and writes `status.result` back through the endpoint of the shard that hosts each
 * consumer. Ctrl-C stops it cleanly.
 *
 *   npx tsx examples/provider-controller.ts root:org:provider:cowboys [context]
 *
 * The connection comes from the kubeconfig, as for kubectl ($KUBECONFIG, the current or the given context).
 */
import { createClient, isNotFound, type ExportedEvent, type ExportedObject } from 'kcp-endpoints';

interface Cowboy extends ExportedObject {
  spec?: { intent?: string };
  status?: { result?: string };
}

const [ref = 'root:org:provider:cowboys', context] = process.argv.slice(2);
const client = createClient(context === undefined ? {} : { context });
const cowboys = client.exported<Cowboy>(ref, {
  group: 'wildwest.dev',
  version: 'v1alpha1',
  resource: 'cowboys',
  kind: 'Cowboy',
});

/** What status.result should say for a Cowboy. */
const resultFor = (cowboy: Cowboy): string => `${cowboy.spec?.intent ?? 'nothing'}: done`;

/** One reconcile at a time per object; a failed one is retried with the object's latest state. */
const busy = new Map<string, ExportedEvent<Cowboy>>();
async function reconcile(key: string, event: ExportedEvent<Cowboy>): Promise<void> {
  const { cluster, object } = event;
  const { name, namespace } = object.metadata;
  const result = resultFor(object);
  if (event.type === 'deleted' || object.status?.result === result) return;
  try {
    await cowboys.inCluster(cluster).patchStatus(name, { status: { result } }, { namespace });
    console.log(`reconciled ${key}: ${result}`);
  } catch (e) {
    if (isNotFound(e)) return; // deleted meanwhile, or its consumer went away
    console.error(`retrying ${key} in 1s: ${(e as Error).message}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const latest = await cowboys.get(cluster, namespace, name);
    if (latest !== undefined && !stopped) enqueue({ ...latest, type: 'modified' });
  }
}

function enqueue(event: ExportedEvent<Cowboy>): void {
  const key = `${event.cluster}/${event.object.metadata.namespace ?? ''}/${event.object.metadata.name}`;
  const running = busy.has(key);
  busy.set(key, event);
  if (running) return;
  void (async () => {
    for (let next = busy.get(key); next !== undefined; next = busy.get(key)) {
      await reconcile(key, next);
      if (busy.get(key) === next) busy.delete(key);
    }
  })();
}

let stopped = false;
const subscription = cowboys.watch().subscribe({
  next: enqueue,
  error: (e: unknown) => {
    console.error(`watch failed: ${(e as Error).message}`);
    process.exitCode = 1;
  },
});
client.status$.subscribe((s) => {
  if (s.type === 'error') console.error(`${s.endpoint ?? s.workspace}: ${s.error.message}`);
});
console.log(`watching cowboys of ${ref}`);

process.once('SIGINT', () => {
  stopped = true;
  subscription.unsubscribe();
  void client.close().then(() => {
    console.log('stopped');
  });
});
