import type { CliArgs } from '../args.js';
import { ExitCode, exitCodeForResolution } from '../exit-codes.js';
import { nextSteps } from '../explain/advice.js';
import { gatherReport } from '../explain/gather.js';
import { renderExplain } from '../explain/render.js';
import type { ExplainReport } from '../explain/types.js';
import { formatJson, orderedResolution } from '../format.js';
import { styleFor, type CliIo } from '../io.js';
import { parseExportRef } from '../../kcp/paths.js';
import { resolveOptions, withClient } from '../session.js';

/** `explain <ref>`: walks the chain, prints findings and next steps; exits like `get`. */
export async function runExplain(args: CliArgs, io: CliIo): Promise<number> {
  const refText = args.args[0] ?? '';
  return withClient(args, io, async (client) => {
    const exp = parseExportRef(refText, client.workspacePath, 'export reference');
    const slice = args.slice === undefined ? exp : parseExportRef(args.slice, exp.path, 'slice reference');
    const gathered = await gatherReport(
      client,
      { export: exp, slice },
      args.consumers,
      resolveOptions(args, io.signal),
      { rewriteUrl: args.rewriteUrl, probe: args.probe },
    );
    const report: ExplainReport = { ...gathered, nextSteps: nextSteps(gathered, refText) };
    io.stdout.write(
      args.output === 'json'
        ? formatJson({
            ...report,
            resolution: report.resolution === null ? null : orderedResolution(report.resolution),
          })
        : renderExplain(report, styleFor(io.stdout, io.env)),
    );
    return report.resolution === null ? ExitCode.Forbidden : exitCodeForResolution(report.resolution);
  });
}
