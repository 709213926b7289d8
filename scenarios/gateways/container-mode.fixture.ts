// Run by container-mode.test.ts in a child process: starts an nginx gateway in container mode, prints its URL once it
// answers, then waits to be interrupted — without ever calling stop(). The test sends SIGINT and checks that the
// container and the work directory are gone anyway (the signal cleanup in gateway-process.ts).
import { gatewaySetup } from './driver';
import { nginxDriver } from './nginx';
import { issueTestPki } from './test-support';

const t = await issueTestPki();
const g = await nginxDriver.start(gatewaySetup({ verify: 'none' }), t.pki, { container: true });
t.cleanup();
process.stdout.write(`READY ${g.url}\n`);
setInterval(() => undefined, 60_000); // stay alive until the signal
