// `certgate emulate` — runs the gateway emulator until SIGINT/SIGTERM. With no --config it runs the default
// configuration (classic Developer tier, negotiate off, the default PKI, the documented policies).
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, startEmulator } from '../../emulator/index';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number 0–65535');
  return n;
}

interface EmulateFlags {
  config?: string;
  port?: number;
  host?: string;
  pkiDir?: string;
}

export function registerEmulateCommand(program: Command): void {
  program
    .command('emulate')
    .description('run the APIM gateway emulator over real TLS (client certificates, renegotiation, policies)')
    .option('--config <file>', 'emulator configuration (YAML or JSON); default: the built-in configuration')
    .option('--port <n>', 'listen port of the first hostname (default from the config: 8443; 0 = any free port)', port)
    .option('--host <host>', 'listen address (default from the config: 127.0.0.1)')
    .option('--pki-dir <dir>', 'where the default PKI is written and reused')
    .action(async (flags: EmulateFlags) => {
      let emu;
      try {
        emu = await startEmulator(flags.config, { port: flags.port, host: flags.host, pkiDir: flags.pkiDir });
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
      const out = process.stdout;
      out.write(`certgate emulator (${emu.config.sku}) listening\n`);
      for (const h of emu.hostnames) out.write(`  gateway        ${h.url}  (${h.hostName}, negotiateClientCertificate=${h.negotiateClientCertificate})\n`);
      if (emu.applicationGatewayUrl) out.write(`  app gateway    ${emu.applicationGatewayUrl}\n`);
      out.write(`  introspection  ${emu.introspectionUrl}  (GET /requests/<x-certgate-request-id>, /connections, /health)\n`);
      if (emu.pkiDir) out.write(`  PKI            ${emu.pkiDir}  (trusted-roots.pem, <name>.pem, <name>.key.pem, <name>.pfx)\n`);
      out.write('Ctrl-C to stop\n');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await emu.close();
      out.write('stopped\n');
    });
}
