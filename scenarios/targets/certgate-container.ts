// The emulator in a container, for tests — the way Azurite or LocalStack are used:
//
//   const emu = await new CertgateContainer().withConfig({ ... }).start();
//   const tls = await emu.pki!.clientTls('client-valid-rsa');   // cert, key and the CA bundle, as PEM text
//   https.get(`${emu.baseUrl}/open/x`, { ...tls }) …
//   await emu.stop();                                           // container removed, copied PKI deleted
//
// The image (certgate/emulator:local) is built from the current sources on first use (scripts/docker-emulator-image.sh,
// cached). Inside, the emulator listens on 0.0.0.0:8443; on the host the port is published on 127.0.0.1 only. The PKI
// the emulator used (issued inside, or the directory given to withPki) is copied back out, so a test uses exactly the
// certificates the gateway trusts. Without withConfig the emulator runs its built-in configuration (`certgate emulate`
// with no --config: Developer tier, negotiate off, the documented APIs).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { loadPki, parseManifest, certificateFiles, INTERMEDIATES_FILE, MANIFEST_FILE, TRUSTED_ROOTS_FILE, type Manifest, type Pki } from '../../ca/index';
import type { EmulatorConfigInput } from '../../emulator/config/schema';
import { containerLogs, ensureEmulatorImage, extractTar, LoopbackContainer, removeOrphans, TlsAnswerWait } from './container';

/** The port the emulator listens on inside the container (the image's EXPOSE). */
export const CONTAINER_PORT = 8443;
const CONFIG_DIR = '/certgate/config';
const PKI_DIR = '/certgate/pki';

export interface ClientTls {
  readonly cert: string;
  readonly key: string;
  /** The PKI's trusted roots and intermediates, to verify the emulator's server certificate. */
  readonly ca: string;
}

export interface ContainerPki {
  /** Host directory holding a copy of the PKI the emulator uses (deleted by stop()). */
  readonly dir: string;
  readonly manifest: Manifest;
  /** Absolute paths of a certificate's files (PEM, key 0600, chain, DER, PFX). */
  files(name: string): { cert: string; key: string; chain: string; der: string; pfx: string };
  readonly trustedRootsFile: string;
  readonly intermediatesFile: string;
  /** A certificate and its key as client TLS options, with the CA bundle that verifies the emulator. */
  clientTls(name: string): Promise<ClientTls>;
  /** The whole PKI as ca/'s Pki object (keys included). */
  load(): Promise<Pki>;
}

export interface StartedCertgateContainer {
  /** https://127.0.0.1:<published port> (the default server certificate has IP SAN 127.0.0.1). */
  readonly baseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly containerId: string;
  readonly image: string;
  /** Absent only when the configuration names no PKI certificate (then the emulator writes none). */
  readonly pki?: ContainerPki;
  /** The container's recent output (stdout and stderr). */
  logs(tail?: number): Promise<string>;
  /** Stops and removes the container and deletes the copied PKI. Safe to call twice. */
  stop(): Promise<void>;
}

type ConfigSource = { kind: 'object'; config: EmulatorConfigInput } | { kind: 'file'; path: string };

export class CertgateContainer {
  private config?: ConfigSource;
  private pkiDir?: string;
  private image?: string;
  private startupTimeoutMs = 120_000;

  /** A configuration object, or the path of a YAML/JSON file. A file's directory is copied into the container with
   *  it, so paths relative to the file (policies, certificate files) keep working; absolute host paths do not.
   *  listen.port/host are overridden (0.0.0.0:8443 inside) and the PKI lives in the container's /certgate/pki. */
  withConfig(config: EmulatorConfigInput | string): this {
    this.config = typeof config === 'string' ? { kind: 'file', path: resolve(config) } : { kind: 'object', config };
    return this;
  }

  /** Use an existing PKI directory (`certgate ca init --out DIR`, default spec, issued today) instead of one issued
   *  inside the container; start() fails if the emulator would not reuse it. No argument: issue inside (default). */
  withPki(dir?: string): this {
    this.pkiDir = dir === undefined ? undefined : resolve(dir);
    return this;
  }

  /** Run this image instead of building certgate/emulator:local from the sources. */
  withImage(image: string): this {
    this.image = image;
    return this;
  }

  withStartupTimeout(ms: number): this {
    this.startupTimeoutMs = ms;
    return this;
  }

  async start(): Promise<StartedCertgateContainer> {
    const image = this.image ?? (await ensureEmulatorImage());
    await removeOrphans();
    const given = this.pkiDir ? await readManifest(this.pkiDir) : undefined;
    const setup = this.containerSetup(given);
    const container = new LoopbackContainer(image)
      .withExposedPorts(CONTAINER_PORT)
      .withCommand([...setup.args, '--port', String(CONTAINER_PORT), '--pki-dir', PKI_DIR])
      .withWaitStrategy(new TlsAnswerWait(CONTAINER_PORT))
      .withStartupTimeout(this.startupTimeoutMs);
    if (setup.contents.length > 0) container.withCopyContentToContainer(setup.contents);
    if (setup.directories.length > 0) container.withCopyDirectoriesToContainer(setup.directories);
    const started = await container.start();
    const id = started.getId();
    let hostPki: string | undefined;
    try {
      hostPki = await mkdtemp(join(tmpdir(), 'certgate-container-pki-'));
      const archive = await started.copyArchiveFromContainer(PKI_DIR).catch((err: { statusCode?: number }) => {
        if (err.statusCode === 404) return undefined; // no PKI certificate in the configuration: none was written
        throw err;
      });
      if (archive) await extractTar(archive, hostPki);
      const pki = archive ? await containerPki(hostPki) : undefined;
      if (given && given.manifest.specHash !== pki?.manifest.specHash) {
        throw new Error(
          `the emulator did not use the PKI in ${this.pkiDir} but issued its own (spec hash ${pki?.manifest.specHash ?? 'none'} ≠ ${given.manifest.specHash}); ` +
            `it reuses a PKI only when issued from the default spec today with responder 127.0.0.1:<pki.responderPort> ` +
            `(this one: ${given.manifest.responder.host}:${given.manifest.responder.port}, issued ${given.manifest.now})`,
        );
      }
      const port = started.getMappedPort(CONTAINER_PORT);
      let stopped: Promise<void> | undefined;
      return {
        baseUrl: `https://127.0.0.1:${port}`,
        host: '127.0.0.1',
        port,
        containerId: id,
        image,
        pki,
        logs: (tail = 200) => containerLogs(id, tail),
        stop: () =>
          (stopped ??= (async () => {
            await started.stop({ timeout: 5000, remove: true });
            await rm(hostPki!, { recursive: true, force: true });
          })()),
      };
    } catch (err) {
      const logs = await containerLogs(id);
      await started.stop({ timeout: 1000, remove: true }).catch(() => undefined);
      if (hostPki) await rm(hostPki, { recursive: true, force: true });
      throw new Error(`certgate container ${id.slice(0, 12)}: ${(err as Error).message}\ncontainer output:\n${logs}`);
    }
  }

  /** The emulate arguments and the files to copy in. The PKI always lives in PKI_DIR (--pki-dir), so it can be
   *  copied back out; a given PKI is copied there first. */
  private containerSetup(given: { manifest: Manifest } | undefined): {
    args: string[];
    contents: { content: string; target: string }[];
    directories: { source: string; target: string }[];
  } {
    const directories = this.pkiDir ? [{ source: this.pkiDir, target: PKI_DIR }] : [];
    if (!this.config) return { args: [], contents: [], directories };
    if (this.config.kind === 'file') {
      // The file's directory goes along, so paths relative to the file (policies, certificates) resolve the same.
      directories.push({ source: dirname(this.config.path), target: CONFIG_DIR });
      return { args: ['--config', `${CONFIG_DIR}/${basename(this.config.path)}`], contents: [], directories };
    }
    let config = this.config.config;
    // A given PKI is reused only if the responder address it was issued for matches; say so in the config.
    if (given && config.pki?.responderPort === undefined) config = { ...config, pki: { ...config.pki, responderPort: given.manifest.responder.port } };
    const target = `${CONFIG_DIR}/emulator.json`;
    return { args: ['--config', target], contents: [{ content: JSON.stringify(config, null, 2), target }], directories };
  }
}

async function readManifest(dir: string): Promise<{ manifest: Manifest }> {
  const path = join(dir, MANIFEST_FILE);
  return { manifest: parseManifest(await readFile(path, 'utf8'), path) };
}

async function containerPki(dir: string): Promise<ContainerPki> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifest = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath);
  const files = (name: string) => {
    if (!manifest.certificates.some((c) => c.name === name)) {
      throw new Error(`${manifestPath}: no certificate named "${name}" (have: ${manifest.certificates.map((c) => c.name).join(', ')})`);
    }
    const f = certificateFiles(name);
    return { cert: join(dir, f.cert), key: join(dir, f.key), chain: join(dir, f.chain), der: join(dir, f.der), pfx: join(dir, f.pfx) };
  };
  const trustedRootsFile = join(dir, TRUSTED_ROOTS_FILE);
  const intermediatesFile = join(dir, INTERMEDIATES_FILE);
  return {
    dir,
    manifest,
    files,
    trustedRootsFile,
    intermediatesFile,
    clientTls: async (name) => {
      const f = files(name);
      const [cert, key, roots, intermediates] = await Promise.all([f.chain, f.key, trustedRootsFile, intermediatesFile].map((p) => readFile(p, 'utf8')));
      return { cert: cert!, key: key!, ca: `${roots}${intermediates}` };
    },
    load: () => loadPki(dir),
  };
}
