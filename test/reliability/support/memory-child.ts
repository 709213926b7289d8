// A child process for the memory test (started with --expose-gc): the lab PKI, an emulator over it, the memory
// probe on IPC. Sends { url, ca, cert, key } once listening; the key goes over IPC only, never to disk or a log.
import { startEmulator } from '../../../emulator/index';
import { labConfig, startLab } from './lab';
import { startMemoryProbe } from './memory-probe';

const lab = await startLab();
const emu = await startEmulator(labConfig(lab, { emulation: { keepAliveTimeoutMs: 30_000 } }));
startMemoryProbe(emu, async () => { await emu.close(); await lab.close(); });
process.send!({ url: emu.url, ...lab.client('client-valid-ec') });
