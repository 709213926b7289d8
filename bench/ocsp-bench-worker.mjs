// Worker entry for bench/ocsp-bench.ts: worker threads do not inherit `--import tsx`, so register it here first.
import { register } from 'tsx/esm/api';

register();
await import('./ocsp-bench.ts');
