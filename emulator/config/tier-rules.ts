// What a tier refuses, with the documented reason (apim-behaviour.md §1, §2, §6): the portal/ARM would reject
// these settings, so the emulator refuses them at load instead of silently behaving like another tier.
import { tierFamily } from '../front/planner';
import { HTTP2_PROPERTY, type EmulatorConfig } from './schema';

export interface TierProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export function tierProblems(c: EmulatorConfig): TierProblem[] {
  const out: TierProblem[] = [];
  const family = tierFamily(c.sku);
  if (c.caCertificates.length > 0) {
    if (c.workspaceGateway) {
      out.push({ path: ['caCertificates'], message: 'workspace gateways cannot hold CA certificates (workspaces overview, apim-behaviour.md §6)' });
    } else if (family === 'consumption') {
      out.push({ path: ['caCertificates'], message: 'CA certificates cannot be uploaded in the Consumption tier (MTLS-PAGE, apim-behaviour.md §6)' });
    } else if (family === 'v2') {
      out.push({ path: ['caCertificates'], message: `${c.sku} accepts CA certificates only for backend connections, not to validate client certificates (v2 overview, apim-behaviour.md §6)` });
    }
  }
  c.hostnameConfigurations.forEach((h, i) => {
    if (h.negotiateClientCertificate && (family === 'consumption' || family === 'v2')) {
      out.push({ path: ['hostnameConfigurations', i, 'negotiateClientCertificate'], message: `${c.sku} has no per-hostname negotiateClientCertificate; use the service-level enableClientCertificate (MTLS-PAGE)` });
    }
    if (c.hostnameConfigurations.findIndex((o) => o.hostName.toLowerCase() === h.hostName.toLowerCase()) !== i) {
      out.push({ path: ['hostnameConfigurations', i, 'hostName'], message: `hostName "${h.hostName}" is configured twice` });
    }
  });
  if (c.enableClientCertificate && (family === 'classic' || family === 'selfhosted')) {
    out.push({ path: ['enableClientCertificate'], message: `enableClientCertificate is the Consumption/v2 setting; ${c.sku} uses hostnameConfigurations[].negotiateClientCertificate (MTLS-PAGE)` });
  }
  if (c.customProperties[HTTP2_PROPERTY] && (family === 'consumption' || c.workspaceGateway)) {
    out.push({ path: ['customProperties', HTTP2_PROPERTY], message: `${c.workspaceGateway ? 'workspace gateways' : 'the Consumption tier'} offer no HTTP/2 between client and gateway (gateways overview, apim-behaviour.md §2)` });
  }
  const apiNames = new Set<string>();
  c.apis.forEach((a, i) => {
    if (apiNames.has(a.name)) out.push({ path: ['apis', i, 'name'], message: `API name "${a.name}" is used twice` });
    apiNames.add(a.name);
  });
  return out;
}
