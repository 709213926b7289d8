// A real gateway (nginx, Apache httpd, HAProxy) as a conformance target: each distinct scenario setup is mapped onto
// the driver's GatewaySetup (scenarios/gateways/setup-mapping.ts), one gateway process is started for it on loopback
// and shared by that setup's scenarios, then stopped. Setups the gateway cannot express are skipped with the reason.
//
//   await runConformance({ target: new GatewayTarget(nginxDriver), select: ['tier.classic.*'] });

import type { Pki } from '../../ca/index';
import type { GatewayDriver, RunningGateway, StartOptions } from '../gateways/driver';
import { mapSetup } from '../gateways/setup-mapping';
import type { GatewayProfileId } from '../schema';
import type { ConcreteSetup, PrepareResult, Target } from './target';

/** The profile each driver's gateway is documented to follow (scenarios/profiles/<id>.yaml). */
export const GATEWAY_PROFILE_OF: Readonly<Record<GatewayDriver['name'], GatewayProfileId>> = {
  nginx: 'nginx',
  apache: 'apache-httpd',
  haproxy: 'haproxy',
};

export class GatewayTarget implements Target {
  readonly name: string;
  readonly profileDefault: GatewayProfileId;
  private readonly running = new Map<string, Promise<RunningGateway | undefined>>();
  private closed = false;
  /** How many gateway processes were started (one per distinct setup that could be expressed). */
  started = 0;

  constructor(
    private readonly driver: GatewayDriver,
    private readonly startOptions: StartOptions = {},
  ) {
    this.name = startOptions.container ? `container:${driver.name}` : driver.name;
    this.profileDefault = GATEWAY_PROFILE_OF[driver.name];
  }

  async prepare(setupKey: string, setup: ConcreteSetup, pki: Pki): Promise<PrepareResult> {
    if (this.closed) throw new Error(`${this.name}: target already closed`);
    const mapped = mapSetup(setup, this.driver.name);
    if ('skip' in mapped) return { skip: mapped.skip };
    const support = this.driver.supports(mapped.setup);
    if (support !== true) return { skip: support.reason };
    // Errors starting the gateway are infrastructure errors (the runner reports them per scenario as `error`).
    const starting = this.driver.start(mapped.setup, pki, this.startOptions);
    this.running.set(
      setupKey,
      starting.catch(() => undefined),
    );
    this.started++;
    const gateway = await starting;
    return { baseUrl: gateway.url };
  }

  /** The running gateway of a setup (its config and logs, for reports and debugging). */
  async gatewayOf(setupKey: string): Promise<RunningGateway | undefined> {
    return this.running.get(setupKey);
  }

  async release(setupKey: string): Promise<void> {
    const g = this.running.get(setupKey);
    this.running.delete(setupKey);
    await (await g)?.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.keys()].map((k) => this.release(k)));
  }
}
