// What a server sees, per virtual-workspace endpoint, read inside the server's process from Node's HTTP
// diagnostics channel (no proxy in the path): open TCP connections, open watch requests, and the requests
// made so far, by resource and verb. A request whose path is `<prefix>/services/apiexport/<cluster>/<export>/
// clusters/<x>/…` belongs to the endpoint `<base><prefix>/services/apiexport/<cluster>/<export>` (the URL kcp
// publishes); every other request to `front-proxy`. A connection belongs to the endpoint of its first request
// (each endpoint of a kcp-endpoints client has its own agent; `mixed` counts later requests of a connection to
// another endpoint).
import dc from 'node:diagnostics_channel';

const VW = /^(.*?)\/services\/apiexport\/([^/]+)\/([^/]+)\/clusters\/[^/]+\/(.*)$/;

/** The resource of a REST path after `/clusters/<x>/` (`apis/<g>/<v>/[namespaces/<ns>/]<plural>/…`). */
function resourceOf(rest) {
  const parts = rest.split('/').filter((p) => p !== '');
  let i = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : 0;
  if (i === 0) return parts[0] ?? '';
  if (parts[i] === 'namespaces' && parts.length > i + 2) i += 2;
  return parts[i] ?? parts.at(-1) ?? '';
}

/** Starts counting `server`-side traffic; `base` is the server's URL. Returns `{ snapshot(), stop() }`. */
export function tapEndpointTraffic(base) {
  const endpoints = new Map();
  const owner = new WeakMap();
  const entry = (endpoint) => {
    let e = endpoints.get(endpoint);
    if (e === undefined) {
      e = { sockets: new Set(), openWatches: {}, requests: {}, mixed: 0 };
      endpoints.set(endpoint, e);
    }
    return e;
  };
  const onRequest = ({ request, response, socket }) => {
    const url = new URL(request.url, 'http://x');
    const m = VW.exec(url.pathname);
    const endpoint = m === null ? 'front-proxy' : `${base}${m[1]}/services/apiexport/${m[2]}/${m[3]}`;
    const rest = m === null ? url.pathname.replace(/^\/clusters\/[^/]+\//, '') : m[4];
    const resource = resourceOf(rest);
    const e = entry(endpoint);
    const first = owner.get(socket);
    if (first === undefined) {
      owner.set(socket, endpoint);
      e.sockets.add(socket);
      socket.once('close', () => e.sockets.delete(socket));
    } else if (first !== endpoint) e.mixed += 1;
    const watch = url.searchParams.get('watch');
    const isWatch = request.method === 'GET' && (watch === 'true' || watch === '1');
    const verb = isWatch ? 'watch' : request.method === 'GET' ? 'get/list' : request.method.toLowerCase();
    const key = `${verb} ${resource}`;
    e.requests[key] = (e.requests[key] ?? 0) + 1;
    if (isWatch) {
      e.openWatches[resource] = (e.openWatches[resource] ?? 0) + 1;
      response.once('close', () => (e.openWatches[resource] -= 1));
    }
  };
  dc.subscribe('http.server.request.start', onRequest);
  return {
    /** Per endpoint: open connections, open watches by resource, requests so far by `<verb> <resource>`. */
    snapshot() {
      const out = {};
      for (const [endpoint, e] of endpoints)
        out[endpoint] = {
          connections: e.sockets.size,
          openWatches: { ...e.openWatches },
          requests: { ...e.requests },
          mixed: e.mixed,
        };
      return out;
    },
    stop() {
      dc.unsubscribe('http.server.request.start', onRequest);
    },
  };
}
