/** PEM material of a simulator started with `tls: true`. */
export interface SimulatorTls {
  /** CA certificate (PEM) that signed the server certificate. */
  ca: string;
  /** Server certificate (PEM) for `127.0.0.1` and `localhost`. */
  cert: string;
  /** Server private key (PEM). */
  key: string;
}

interface SelfsignedModule {
  generate: (
    attrs: Array<{ name: string; value: string }>,
    options: Record<string, unknown>,
  ) => Promise<{ private: string; cert: string }>;
}

/**
 * Generates a throw-away CA and a server certificate signed by it, with the optional peer dependency
 * `selfsigned` (loaded only here).
 * @throws Error explaining how to install `selfsigned` when it is missing.
 */
export async function generateTls(
  load: () => Promise<unknown> = () => import('selfsigned'),
): Promise<SimulatorTls> {
  let mod: SelfsignedModule;
  try {
    const loaded = (await load()) as Partial<SelfsignedModule> & { default?: Partial<SelfsignedModule> };
    const generate = loaded.generate ?? loaded.default?.generate;
    if (typeof generate !== 'function') throw new Error('selfsigned has no generate()');
    mod = { generate };
  } catch (cause) {
    throw new Error(
      'kcp simulator: tls: true needs the optional peer dependency "selfsigned" (>= 5). Install it with: npm install --save-dev selfsigned',
      { cause },
    );
  }
  const common = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' };
  const ca = await mod.generate([{ name: 'commonName', value: 'kcp-simulator-ca' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await mod.generate([{ name: 'commonName', value: 'localhost' }], {
    ...common,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { ca: ca.cert, cert: server.cert, key: server.private };
}
